package org.opensearch.binaryembeddings.encoder;

import java.util.concurrent.atomic.LongAdder;

/** Inference counters of one model on this node, since node start. */
public final class InferenceStats {

    private final LongAdder texts = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder tokens = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    void record(int textCount, long tokenCount, long elapsedNanos) {
        texts.add(textCount);
        tokens.add(tokenCount);
        batches.increment();
        nanos.add(elapsedNanos);
    }

    public Snapshot snapshot() {
        return new Snapshot(texts.sum(), batches.sum(), nanos.sum(), tokens.sum());
    }

    /**
     * Texts embedded, model batches run, their summed wall time (tokenization + inference + pooling), and the tokens
     * the model read (special tokens included, padding not): what chunking's cost is measured in.
     */
    public record Snapshot(long texts, long batches, long totalNanos, long tokens) {

        /** Mean wall time of one model batch, in milliseconds (0 before the first). */
        public double meanBatchLatencyMillis() {
            return batches == 0 ? 0 : totalNanos / 1e6 / batches;
        }

        /** Mean wall time per text, in milliseconds (0 before the first). */
        public double meanTextLatencyMillis() {
            return texts == 0 ? 0 : totalNanos / 1e6 / texts;
        }
    }
}
