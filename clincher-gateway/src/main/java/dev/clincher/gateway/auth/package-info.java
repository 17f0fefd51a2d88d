/**
 * Gateway authentication, independent of the HTTP server: {@link dev.clincher.gateway.auth.AuthSettings} builds an
 * {@link dev.clincher.gateway.auth.Authenticator}; a handler passes the peer and the raw header values in an
 * {@link dev.clincher.gateway.auth.AuthRequest} and maps the {@link dev.clincher.gateway.auth.AuthDecision} to the
 * response (401, 403 or 429 with a JSON error). Checks, in order: origin, lockout, credential (bearer header, or a
 * one-time ticket for WebSocket upgrades).
 */
package dev.clincher.gateway.auth;
