package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.metering.Usage;

/** A finished, non-streamed answer in OpenAI's shape: a {@code chat.completion}, or an embeddings {@code list}. */
public record Completion(ObjectNode body, Usage usage) {}
