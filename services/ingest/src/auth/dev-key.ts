/**
 * The development API key: accepted only when NODE_ENV is not `production` and no key is configured, so a fresh
 * checkout works with `npm start`. Never configure it anywhere real.
 */
export const DEV_API_KEY = 'dev-key-change-me';
export const DEV_CLIENT_NAME = 'dev';
