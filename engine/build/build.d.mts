// Types of engine/build/build.mjs for the tests that import it.
export declare const ROOT: string;
export declare function whyStale(): string | undefined;
export declare function build(opts?: { force?: boolean }): Promise<boolean>;
