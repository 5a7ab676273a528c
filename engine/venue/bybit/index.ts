export { BybitVenue, type BybitVenueOptions } from './adapter.ts';
export type { RetryOptions } from './call.ts';
