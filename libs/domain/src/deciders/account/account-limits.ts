/** Most friends a profile may have; a request or acceptance beyond it is refused with `limit_reached`. */
export const MAX_FRIENDS = 5000;
/** Most pending requests a profile may hold; a further request to it is refused with `limit_reached`. */
export const MAX_PENDING_REQUESTS = 500;
/** Most profiles one profile may block. */
export const MAX_BLOCKED = 2000;
