export { BybitVenue, type BybitVenueOptions } from './adapter.ts';
export type { RetryOptions } from './call.ts';
export { bybitVenueOptions, loopbackOverrides, loopbackUrl, ENV_KEY, ENV_SECRET, ENV_REST_URL, ENV_WS_URL, ENV_FAST_TIMERS } from './from-plan.ts';
