/** The credentials of the stacks the kit starts: fixed, so a test can also send them by hand. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789'
export const INTERNAL_TOKEN = 'test-internal-token-0123456789'
