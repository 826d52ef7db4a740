package org.opensearch.binaryembeddings.encoder;

import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Setting.Property;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.OpenSearchExecutors;
import org.opensearch.threadpool.ExecutorBuilder;
import org.opensearch.threadpool.FixedExecutorBuilder;

import java.util.List;

/** Node settings of the local encoder (all node scope, read at node start). */
public final class EncoderSettings {

    private EncoderSettings() {}

    public static final String PREFIX = "plugins.binary_embeddings.";

    /** Name of the bounded thread pool that runs ingest inference (pipeline batches, large {@code _embed} calls). */
    public static final String THREAD_POOL = "binary_embeddings_inference";

    /**
     * Name of the bounded thread pool that runs query-text encoding and small {@code _embed} calls: a lane of its own,
     * so a query never waits in a queue behind ingest batches (a 10,000-text document once held a query for 39 s).
     */
    public static final String QUERY_THREAD_POOL = "binary_embeddings_query";

    /** Model folders to load; empty (the default) loads every folder found under the models folder. */
    public static final Setting<List<String>> MODELS_ENABLED = Setting.listSetting(
        PREFIX + "models.enabled",
        List.of(),
        ModelPaths::validateName,
        Property.NodeScope
    );

    /** The model used when a request names none. */
    public static final Setting<String> DEFAULT_MODEL = new Setting<>(
        PREFIX + "default_model",
        "bge-small-en-v1.5-q",
        ModelPaths::validateName,
        Property.NodeScope
    );

    /**
     * ONNX Runtime intra-op threads per running batch. Default: 1, so that a node's ingest runs {@link #INFERENCE_THREADS}
     * independent batches, one per core: a bge-small batch's ops are too small to split well over two threads (in a
     * pipeline bulk the second ONNX thread was busy ~60% of the time), while two batches keep both cores busy. Measured
     * node against node on a quiet 2-core machine (InferenceBench compare, BENCHMARKS.md "Inference"): 2 batches × 1
     * thread 1.28× and 1.40× langchain4j's embedAll in two runs, 1 batch × 2 threads 1.10× and 1.21×. Under heavy load from other processes the two were
     * within ±15% either way. Two threads per batch shorten one batch, i.e. a single large {@code _embed} call on an
     * otherwise idle node.
     */
    public static final Setting<Integer> INTRA_OP_THREADS = new Setting<>(
        PREFIX + "inference.intra_op_threads",
        "1",
        v -> Setting.parseInt(v, 1, 64, PREFIX + "inference.intra_op_threads"),
        Property.NodeScope
    );

    /**
     * Threads of the {@value #THREAD_POOL} pool (the ingest lane), i.e. how many ingest batches run at once, each on
     * {@link #INTRA_OP_THREADS} cores. Default: the allocated processors divided by the intra-op threads (at least 1),
     * i.e. one batch per core, so bulk embedding uses every core whenever nothing else runs; queries do not wait behind it (they have their own
     * lane and only share the CPU), and the threads sleep when there is no ingest. Half of that when a mixed node's
     * search and indexing must keep cores of their own under heavy ingest (README, sizing). Before, the default was
     * half the processors with one ONNX thread each: bulk ingest on a 2-core node used one core and ran at 0.81×
     * langchain4j's embedAll.
     */
    public static final Setting<Integer> INFERENCE_THREADS = new Setting<>(
        PREFIX + "inference.threads",
        s -> Integer.toString(Math.max(1, OpenSearchExecutors.allocatedProcessors(s) / INTRA_OP_THREADS.get(s))),
        v -> Setting.parseInt(v, 1, 256, PREFIX + "inference.threads"),
        Property.NodeScope
    );

    /**
     * Threads of the {@value #QUERY_THREAD_POOL} pool. One query text is one short single-text model run and repeated
     * texts come from the query cache, so one thread serves a node's query texts; raise it when the pool's queue
     * shows queries waiting.
     */
    public static final Setting<Integer> QUERY_THREADS = Setting.intSetting(PREFIX + "inference.query_threads", 1, 1, 64, Property.NodeScope);

    /**
     * Whether query texts (and small {@code _embed} calls) get the {@value #QUERY_THREAD_POOL} lane. {@code false} sends
     * them to the ingest lane's queue, behind pipeline batches, as before the lanes existed: only for measuring what
     * the lane buys (bin/bench --inference), never a good idea on a node that ingests.
     */
    public static final Setting<Boolean> QUERY_LANE = Setting.boolSetting(PREFIX + "inference.query_lane", true, Property.NodeScope);

    /**
     * Texts one document field may hold (an array of strings) for the {@code local_embedding} processor; more is a
     * 400 naming the field, checked before any inference. A {@code binary_embedding} field keeps one vector per
     * document, so a long array can only be a mistake or an attack: 10,000 short strings took 40 s of the one
     * inference thread of a 2-core node before the mapper refused the document.
     */
    public static final Setting<Integer> MAX_TEXTS_PER_FIELD = Setting.intSetting(
        PREFIX + "ingest.max_texts_per_field",
        100,
        1,
        100_000,
        Property.NodeScope
    );


    /** Tasks (batches or queries) that may wait for an inference thread; more are rejected (HTTP 429). */
    public static final Setting<Integer> QUEUE_SIZE = Setting.intSetting(PREFIX + "inference.queue_size", 1000, 1, 100_000, Property.NodeScope);

    /**
     * Texts per model run; larger requests are split (after sorting by token count, so batches pad little). Default 1:
     * each text runs alone, which on CPU is both faster and exact for the int8 models. Faster: nothing is padded and
     * a run's activations stay in cache; on 2 cores, with the pipeline's calls of 32 texts on both lane threads, model
     * runs of one text did 1.10-1.18x the texts/s of batches of up to 32 texts and 512 padded tokens (4 runs,
     * {@code bin/bench-encoder --session}, BENCHMARKS.md "Inference"), although those batches were only 7.7% padding.
     * Exact: int8 dynamically quantized models (both bundled ones) quantize a run's activations with one scale per
     * tensor, so in a batch a text's vector moved with its companions (cosine 0.9925 to itself alone, worst of 900
     * msmarco passages); alone it is the same vector whatever else a bulk holds, and equal to langchain4j's (which runs
     * one text at a time). Larger batches can pay for float models on many-core machines.
     */
    public static final Setting<Integer> MAX_BATCH_SIZE = Setting.intSetting(PREFIX + "inference.max_batch_size", 1, 1, 1024, Property.NodeScope);

    /**
     * Padded tokens (texts × longest text) per model run. On CPU a batch whose activations outgrow the caches runs
     * slower per text than small ones, so batches are capped by tokens as well as by count; a single text longer than
     * this still runs, alone. 512 measured best for bge-small int8 on a 2-core EPYC (1 MB L2): uncapped batches of 32
     * ran about 25% slower per text. Only matters when {@link #MAX_BATCH_SIZE} is raised above its default of 1.
     */
    public static final Setting<Integer> MAX_BATCH_TOKENS = Setting.intSetting(
        PREFIX + "inference.max_batch_tokens",
        512,
        16,
        1_000_000,
        Property.NodeScope
    );

    /** Entries of the per-node LRU cache of query embeddings (0 disables it). */
    public static final Setting<Integer> QUERY_CACHE_SIZE = Setting.intSetting(PREFIX + "query_cache.size", 1000, 0, 1_000_000, Property.NodeScope);

    /**
     * Longest text (in characters, i.e. Unicode code points) the encoder accepts from a document field, a query or {@code _embed}; longer ones are a
     * 400 naming the field. Models read at most their token window (512 tokens, a few thousand chars), so the default
     * of 100,000 rejects no real passage; it bounds the tokenizer's work and memory per text (a 1 MB string is refused).
     */
    public static final Setting<Integer> MAX_TEXT_CHARS = Setting.intSetting(PREFIX + "max_text_chars", 100_000, 1, 10_000_000, Property.NodeScope);

    /** Most texts one {@code _embed} request may carry. */
    public static final Setting<Integer> EMBED_MAX_TEXTS = Setting.intSetting(PREFIX + "embed.max_texts", 256, 1, 100_000, Property.NodeScope);

    /** The bounded {@value #THREAD_POOL} pool: {@link #INFERENCE_THREADS} threads, a queue of {@link #QUEUE_SIZE}. */
    public static ExecutorBuilder<?> executorBuilder(Settings settings) {
        return new FixedExecutorBuilder(settings, THREAD_POOL, INFERENCE_THREADS.get(settings), QUEUE_SIZE.get(settings), "thread_pool." + THREAD_POOL);
    }

    /** The bounded {@value #QUERY_THREAD_POOL} pool: {@link #QUERY_THREADS} threads, a queue of {@link #QUEUE_SIZE}. */
    public static ExecutorBuilder<?> queryExecutorBuilder(Settings settings) {
        return new FixedExecutorBuilder(
            settings,
            QUERY_THREAD_POOL,
            QUERY_THREADS.get(settings),
            QUEUE_SIZE.get(settings),
            "thread_pool." + QUERY_THREAD_POOL
        );
    }

    public static List<Setting<?>> all() {
        return List.of(
            MODELS_ENABLED,
            DEFAULT_MODEL,
            INFERENCE_THREADS,
            QUERY_THREADS,
            QUERY_LANE,
            INTRA_OP_THREADS,
            QUEUE_SIZE,
            MAX_BATCH_SIZE,
            MAX_BATCH_TOKENS,
            QUERY_CACHE_SIZE,
            EMBED_MAX_TEXTS,
            MAX_TEXT_CHARS,
            MAX_TEXTS_PER_FIELD
        );
    }

    /** The encoder's settings as plain values. */
    public record Config(
        String defaultModel,
        List<String> enabledModels,
        int intraOpThreads,
        int maxBatchSize,
        int maxBatchTokens,
        int queryCacheSize,
        int maxTextChars,
        int maxTextsPerField
    ) {

        public static Config from(Settings settings) {
            return new Config(
                DEFAULT_MODEL.get(settings),
                MODELS_ENABLED.get(settings),
                INTRA_OP_THREADS.get(settings),
                MAX_BATCH_SIZE.get(settings),
                MAX_BATCH_TOKENS.get(settings),
                QUERY_CACHE_SIZE.get(settings),
                MAX_TEXT_CHARS.get(settings),
                MAX_TEXTS_PER_FIELD.get(settings)
            );
        }

        public static Config defaults() {
            return from(Settings.EMPTY);
        }

        public Config withIntraOpThreads(int n) {
            return new Config(defaultModel, enabledModels, n, maxBatchSize, maxBatchTokens, queryCacheSize, maxTextChars, maxTextsPerField);
        }

        public Config withMaxBatchSize(int n) {
            return new Config(defaultModel, enabledModels, intraOpThreads, n, maxBatchTokens, queryCacheSize, maxTextChars, maxTextsPerField);
        }

        public Config withMaxBatchTokens(int n) {
            return new Config(defaultModel, enabledModels, intraOpThreads, maxBatchSize, n, queryCacheSize, maxTextChars, maxTextsPerField);
        }

        public Config withEnabledModels(List<String> names) {
            return new Config(defaultModel, names, intraOpThreads, maxBatchSize, maxBatchTokens, queryCacheSize, maxTextChars, maxTextsPerField);
        }
    }
}
