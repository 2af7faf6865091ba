/**
 * The renderer's Content Security Policy, sent by both transports (HTTP header in web mode,
 * response header on the app protocol in Electron). No remote content at all; inline styles
 * are allowed because OpenSeadragon positions its elements with style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: slide:",
  "connect-src 'self' slide:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
