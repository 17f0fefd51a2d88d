/**
 * The {@code web_fetch} tool ({@link dev.clincher.gateway.tools.web.WebFetchTool}): one GET through the egress
 * proxy, strict URL checks on every hop, byte and time limits, HTML turned into text.
 */
package dev.clincher.gateway.tools.web;
