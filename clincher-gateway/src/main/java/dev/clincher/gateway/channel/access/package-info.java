/**
 * Who may talk to an agent through a channel: {@link dev.clincher.gateway.channel.access.AccessPolicy} decides from
 * its inputs alone (no I/O) and names the rule of every decision; pairing codes and the unknown-sender rate limit
 * are the small pieces of state it reads.
 */
package dev.clincher.gateway.channel.access;
