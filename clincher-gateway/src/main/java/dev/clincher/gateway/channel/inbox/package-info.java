/**
 * Files users send through a channel, on their way into the session's sandbox workspace: a safe name
 * ({@link dev.clincher.gateway.channel.inbox.InboxFileName}) and the exclusive write through the session's sandbox
 * handle ({@link dev.clincher.gateway.channel.inbox.SandboxInbox}).
 */
package dev.clincher.gateway.channel.inbox;
