import { fileURLToPath } from 'node:url';

/** Directory of the built web client (index.html, app.js, styles.css), served at `/`. */
export const webRoot: string = fileURLToPath(new URL('../public/', import.meta.url));
