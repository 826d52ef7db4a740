package org.opensearch.binaryembeddings.encoder;

import org.opensearch.core.action.ActionListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs model inference on two bounded lanes: {@link Lane#QUERY} (query texts, small {@code _embed} calls) and
 * {@link Lane#INGEST} (pipeline batches, large {@code _embed} calls), each its own executor with its own queue.
 * <p>
 * Why two executors rather than one prioritized queue: a running ONNX batch cannot be preempted, so with one pool a
 * query still waits for a thread to finish its batch (and with every thread on ingest, for the next free one). A
 * query lane with its own thread never waits in a queue behind ingest work; it only shares the CPU with it, which the
 * OS scheduler splits fairly. Ingest threads use all the cores the node gives them whenever no query runs.
 * <p>
 * Texts are tokenized on the lane, sorted by length and cut into batches of at most {@code max_batch_size} texts (1
 * by default: each text runs alone, see {@link EncoderSettings#MAX_BATCH_SIZE}) and {@code max_batch_tokens} padded
 * tokens; the batches of one call are spread over the lane's threads (one task per
 * thread at most, each taking the next batch, longest first, until none is left). A text whose
 * tokenization holds no content token gets {@code null} instead of a vector (callers turn that into a 400 naming it).
 */
final class InferenceScheduler {

    /** Which executor a call runs on. */
    enum Lane {
        QUERY,
        INGEST
    }

    /** True on threads running a task this scheduler submitted: calls made there run inline (no deadlock, no hop). */
    private static final ThreadLocal<Boolean> ON_INFERENCE_THREAD = ThreadLocal.withInitial(() -> false);

    private final ModelRegistry registry;
    private final Executor queryLane;
    private final Executor ingestLane;
    private final int maxBatchSize;
    private final int maxBatchTokens;
    private final LongAdder queryRejections = new LongAdder();
    private final LongAdder ingestRejections = new LongAdder();

    InferenceScheduler(ModelRegistry registry, EncoderSettings.Config config, Executor queryLane, Executor ingestLane) {
        this.registry = registry;
        this.queryLane = queryLane;
        this.ingestLane = ingestLane;
        this.maxBatchSize = config.maxBatchSize();
        this.maxBatchTokens = config.maxBatchTokens();
    }

    /** Tasks refused by a lane's full queue (HTTP 429) since node start. */
    long rejections(Lane lane) {
        return (lane == Lane.QUERY ? queryRejections : ingestRejections).sum();
    }

    /**
     * Embeds {@code prefix + text} for each of {@code texts} with {@code m} on {@code lane}; answers one vector per
     * text, in order, {@code null} for a text without a content token of its own. On an inference thread it runs
     * inline and answers before returning.
     */
    void run(Lane lane, ModelRegistry.Model m, String prefix, List<String> texts, ActionListener<float[][]> listener) {
        if (ON_INFERENCE_THREAD.get()) {
            ActionListener.completeWith(listener, () -> inline(m, prefix, texts));
            return;
        }
        Executor executor = lane == Lane.QUERY ? queryLane : ingestLane;
        submit(lane, executor, listener::onFailure, () -> {
            OnnxEncoder encoder = registry.ready(m);
            List<long[]> tokens = tokenize(encoder, prefix, texts);
            List<int[]> batches = batches(tokens);
            float[][] out = new float[texts.size()][];
            if (batches.isEmpty()) {
                listener.onResponse(out);
                return;
            }
            // at most one task per lane thread, so a lane's queue counts calls (as before the lanes), not batches; the
            // tasks pull the call's batches from one counter, longest first, instead of each running a share dealt in
            // advance: a thread that is descheduled or drew long texts no longer holds the call while the other idles.
            // The call answers when its last batch is done, not when its last task ran: a task that comes off a busy
            // queue after the others took every batch finds nothing to do and holds nothing up.
            int groups = Math.min(parallelism(executor), batches.size());
            AtomicInteger next = new AtomicInteger();
            AtomicInteger left = new AtomicInteger(batches.size());
            AtomicBoolean failed = new AtomicBoolean();
            Runnable group = () -> {
                // batches are in ascending length: take them from the end
                for (int b = next.getAndIncrement(); b < batches.size() && failed.get() == false; b = next.getAndIncrement()) {
                    try {
                        runBatch(m, encoder, tokens, batches.get(batches.size() - 1 - b), out);
                    } catch (Exception e) {
                        if (failed.compareAndSet(false, true)) {
                            listener.onFailure(e);
                        }
                        return;
                    }
                    if (left.decrementAndGet() == 0) {
                        listener.onResponse(out);
                    }
                }
            };
            for (int g = 1; g < groups && failed.get() == false; g++) {
                submit(lane, executor, e -> {
                    if (failed.compareAndSet(false, true)) {
                        listener.onFailure(e);
                    }
                }, group);
            }
            group.run();
        });
    }

    /**
     * Runs {@code task} on {@code lane}'s executor as ordinary work (inference it starts is scheduled as usual, not run
     * inline); a full queue counts as a rejection and fails through {@code onFailure}.
     */
    void fork(Lane lane, Runnable task, java.util.function.Consumer<Exception> onFailure) {
        Executor executor = lane == Lane.QUERY ? queryLane : ingestLane;
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (Exception e) {
                    onFailure.accept(e);
                }
            });
        } catch (Exception e) { // rejected: queue full (429), or shutting down
            (lane == Lane.QUERY ? queryRejections : ingestRejections).increment();
            onFailure.accept(e);
        }
    }

    /** Threads of a lane's executor (a fixed pool in a node); 1 when it cannot tell. */
    private static int parallelism(Executor executor) {
        return executor instanceof java.util.concurrent.ThreadPoolExecutor t ? Math.max(1, t.getMaximumPoolSize()) : 1;
    }

    private void submit(Lane lane, Executor executor, java.util.function.Consumer<Exception> onFailure, Runnable task) {
        try {
            executor.execute(() -> {
                boolean before = ON_INFERENCE_THREAD.get();
                ON_INFERENCE_THREAD.set(true);
                try {
                    task.run();
                } catch (Exception e) {
                    onFailure.accept(e);
                } finally {
                    ON_INFERENCE_THREAD.set(before);
                }
            });
        } catch (Exception e) { // rejected: queue full (429), or shutting down
            (lane == Lane.QUERY ? queryRejections : ingestRejections).increment();
            onFailure.accept(e);
        }
    }

    private float[][] inline(ModelRegistry.Model m, String prefix, List<String> texts) {
        OnnxEncoder encoder = registry.ready(m);
        List<long[]> tokens = tokenize(encoder, prefix, texts);
        float[][] out = new float[texts.size()][];
        for (int[] batch : batches(tokens)) {
            runBatch(m, encoder, tokens, batch, out);
        }
        return out;
    }

    /**
     * Token ids of {@code prefix + text} per text; {@code null} for a text without content token. A prefix (bge's
     * query instruction) has content tokens of its own, so the text is then judged alone, at the cost of one more
     * tokenization, which is cheap next to inference.
     */
    private static List<long[]> tokenize(OnnxEncoder encoder, String prefix, List<String> texts) {
        List<long[]> tokens = new ArrayList<>(texts.size());
        for (String t : texts) {
            if (prefix.isEmpty()) {
                tokens.add(encoder.tokenize(t));
            } else {
                tokens.add(encoder.tokenize(t) == null ? null : encoder.tokenize(prefix + t));
            }
        }
        return tokens;
    }

    /**
     * Splits text indices into batches, shortest texts first so each batch pads little; a batch holds at most
     * max_batch_size texts and at most max_batch_tokens padded tokens (one over-long text still forms a batch).
     * {@code null} entries (no content token) are left out.
     */
    List<int[]> batches(List<long[]> tokens) {
        List<Integer> order = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i) != null) {
                order.add(i);
            }
        }
        order.sort(Comparator.comparingInt(i -> tokens.get(i).length));
        int n = order.size();
        List<int[]> batches = new ArrayList<>();
        int from = 0;
        while (from < n) {
            int to = from + 1;
            // sorted ascending: the candidate is the longest text of the batch it would join
            while (to < n && to - from < maxBatchSize && (long) (to - from + 1) * tokens.get(order.get(to)).length <= maxBatchTokens) {
                to++;
            }
            int[] b = new int[to - from];
            for (int j = from; j < to; j++) {
                b[j - from] = order.get(j);
            }
            batches.add(b);
            from = to;
        }
        return batches;
    }

    private static void runBatch(ModelRegistry.Model m, OnnxEncoder encoder, List<long[]> tokens, int[] batch, float[][] out) {
        long t0 = System.nanoTime();
        List<long[]> inputs = new ArrayList<>(batch.length);
        long tokenCount = 0;
        for (int i : batch) {
            inputs.add(tokens.get(i));
            tokenCount += tokens.get(i).length;
        }
        float[][] vectors;
        try {
            vectors = encoder.embed(inputs);
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException("inference failed for model [" + m.name + "]: " + e.getMessage(), e);
        }
        for (int j = 0; j < batch.length; j++) {
            out[batch[j]] = vectors[j];
        }
        m.stats.record(batch.length, tokenCount, System.nanoTime() - t0);
    }

    static List<float[]> asList(float[][] out) {
        return Arrays.asList(out);
    }
}
