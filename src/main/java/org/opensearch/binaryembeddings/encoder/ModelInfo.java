package org.opensearch.binaryembeddings.encoder;

import java.util.Locale;

/**
 * What a node knows of one model: its manifest and its load status. A model whose manifest could not be read is
 * still listed (dims 0, pooling "", status failed with the reason), so an operator sees why it is missing.
 */
public record ModelInfo(
    String name,
    int dims,
    String pooling,
    boolean normalize,
    int maxTokens,
    String queryPrefix,
    String passagePrefix,
    Status status,
    String failureReason
) {

    /** Load status of a model on this node. */
    public enum Status {
        /** Discovered at node start, loading in the background; requests wait for it. */
        LOADING,
        /** Ready. */
        LOADED,
        /** Could not be loaded; {@link ModelInfo#failureReason()} says why. Requests naming it fail with a 400. */
        FAILED;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public boolean failed() {
        return status == Status.FAILED;
    }

    /** The one message for a model that failed to load, wherever it is named (a query, _embed, a pipeline). */
    public static String unavailable(String name, String failureReason) {
        return "model [" + name + "] is not available: it failed to load: " + failureReason;
    }

    static ModelInfo of(ModelManifest m, Status status, String failureReason) {
        return new ModelInfo(m.name(), m.dims(), m.pooling().value(), m.normalize(), m.maxTokens(), m.queryPrefix(), m.passagePrefix(), status, failureReason);
    }

    static ModelInfo failedWithoutManifest(String name, String reason) {
        return new ModelInfo(name, 0, "", false, 0, "", "", Status.FAILED, reason);
    }
}
