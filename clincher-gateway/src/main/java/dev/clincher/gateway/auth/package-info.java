/**
 * Gateway authentication, independent of the HTTP server: {@link dev.clincher.gateway.auth.AuthSettings} builds an
 * {@link dev.clincher.gateway.auth.Authenticator}; a handler passes the peer, method and raw header values in an
 * {@link dev.clincher.gateway.auth.AuthRequest} and maps the {@link dev.clincher.gateway.auth.AuthDecision} to the
 * response (401, 403 or 429 with a JSON error). Checks, in order: origin (the request's own origin for an IP or
 * localhost host, see {@link dev.clincher.gateway.auth.RequestOrigin}, or a configured one), lockout, credential
 * (bearer header; a one-time ticket for WebSocket upgrades; the web UI's session cookie, which needs Origin and a
 * CSRF header to change state). {@link dev.clincher.gateway.auth.BrowserSessions} holds the signed-in browsers and
 * the one-time sign-in codes; {@link dev.clincher.gateway.auth.Authenticator#signIn} exchanges the token or a code
 * for a session.
 */
package dev.clincher.gateway.auth;
