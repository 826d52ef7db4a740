package org.opensearch.binaryembeddings.encoder;

import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.core.action.ActionListener;
import org.opensearch.env.Environment;
import org.opensearch.threadpool.ThreadPool;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The node's local encoder, used by ingest pipelines, queries and the REST API alike: a facade over the
 * {@link ModelRegistry} (which models exist, their ONNX sessions), the {@link InferenceScheduler} (the query and
 * ingest lanes, batching) and the {@link QueryEmbeddingCache}. It applies prefixes and checks texts.
 * <p>
 * Every call is asynchronous underneath; the blocking methods are thin wrappers that wait for the async ones (and run
 * inline when already on an inference thread). A {@code null} model name means the default model.
 */
public final class EncoderService implements Closeable {

    /** The plugin's folder in the node's config folder (where the plugin zip's config/ is installed). */
    public static final String CONFIG_FOLDER = "binary-embeddings";

    /**
     * {@code _embed} calls of at most this many texts run on the query lane (an interactive call the size of one
     * small batch); larger ones are bulk work and run on the ingest lane.
     */
    public static final int SMALL_EMBED_TEXTS = 8;

    /** Which prefix a text gets. */
    public enum TextKind {
        QUERY,
        PASSAGE
    }

    private final EncoderSettings.Config config;
    private final ModelRegistry registry;
    private final InferenceScheduler scheduler;
    private final QueryEmbeddingCache queryCache;

    /** Discovers the models under {@code modelsRoot} (reads their manifests; loads nothing yet); one executor for both lanes. */
    public EncoderService(Path modelsRoot, EncoderSettings.Config config, Executor executor) {
        this(modelsRoot, config, executor, executor);
    }

    /**
     * Discovers the models under {@code modelsRoot} (reads their manifests; loads nothing yet).
     *
     * @param queryExecutor  the bounded executor that encodes query texts and small {@code _embed} calls
     * @param ingestExecutor the bounded executor that runs ingest batches
     */
    public EncoderService(Path modelsRoot, EncoderSettings.Config config, Executor queryExecutor, Executor ingestExecutor) {
        this.config = config;
        this.registry = new ModelRegistry(modelsRoot, config);
        this.scheduler = new InferenceScheduler(registry, config, queryExecutor, ingestExecutor);
        this.queryCache = new QueryEmbeddingCache(config.queryCacheSize());
    }

    /**
     * The node's service: models from {@code $OPENSEARCH_PATH_CONF/binary-embeddings/models/}, queries on the
     * {@value EncoderSettings#QUERY_THREAD_POOL} pool, ingest on the {@value EncoderSettings#THREAD_POOL} pool, DJL's
     * native cache under the node's data path; loading starts now, in the background.
     */
    public static EncoderService forNode(Environment environment, ThreadPool threadPool) {
        Path[] data = environment.dataFiles();
        NativeLibraries.prepare(data.length == 0 ? null : data[0].resolve("binary_embeddings").resolve("djl_cache"));
        Path root = environment.configDir().resolve(CONFIG_FOLDER).resolve("models");
        EncoderService service = new EncoderService(
            root,
            EncoderSettings.Config.from(environment.settings()),
            threadPool.executor(
                EncoderSettings.QUERY_LANE.get(environment.settings()) ? EncoderSettings.QUERY_THREAD_POOL : EncoderSettings.THREAD_POOL
            ),
            threadPool.executor(EncoderSettings.THREAD_POOL)
        );
        service.startLoading(loaderThread());
        return service;
    }

    /** Loads every discovered model, one after the other, on {@code loader} (not an inference executor). */
    public void startLoading(Executor loader) {
        registry.startLoading(loader);
    }

    /**
     * An executor for {@link #startLoading}: one new daemon thread with a 16 MB stack. ONNX Runtime's first
     * initialization needs more stack than a default 1 MB Java thread has (it crashes the JVM on one, measured with
     * ONNX Runtime 1.29 on JDK 25), so models are never loaded on a pool thread.
     */
    public static Executor loaderThread() {
        return r -> {
            Thread t = new Thread(null, r, "binary-embeddings-model-loader", 16L << 20);
            t.setDaemon(true);
            // DJL finds its native library's properties through the context class loader: make it the plugin's
            t.setContextClassLoader(EncoderService.class.getClassLoader());
            t.start();
        };
    }

    /** Waits until the background loading has finished (every model loaded or failed). For tests and tools. */
    public boolean awaitLoaded(long timeout, TimeUnit unit) throws InterruptedException {
        return registry.awaitLoaded(timeout, unit);
    }

    /** True if the model is known on this node: discovered or enabled, whether loading, loaded or failed. */
    public boolean hasModel(String name) {
        return registry.hasModel(name);
    }

    public String defaultModel() {
        return registry.defaultModel();
    }

    /** The model's manifest and status; {@code null} means the default model. */
    public ModelInfo model(String name) {
        return registry.lookup(name).info();
    }

    /** All known models, by name. */
    public List<ModelInfo> models() {
        return registry.all().stream().map(ModelRegistry.Model::info).toList();
    }

    /** Inference counters of a model. */
    public InferenceStats.Snapshot stats(String name) {
        return registry.lookup(name).stats.snapshot();
    }

    /** Query embedding (query prefix applied), from the LRU cache when possible. Blocking. */
    public float[] encodeQuery(String model, String text) {
        return blocking(l -> encodeQueryAsync(model, text, l));
    }

    /** Like {@link #encodeQuery}, on the query lane, answering through {@code listener}. */
    public void encodeQueryAsync(String model, String text, ActionListener<float[]> listener) {
        final ModelRegistry.Model m;
        try {
            m = registry.known(model);
            checkText(text, "[query_text]");
            float[] cached = queryCache.get(m.name, text);
            if (cached != null) {
                listener.onResponse(cached);
                return;
            }
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        scheduler.run(InferenceScheduler.Lane.QUERY, m, m.manifest.queryPrefix(), List.of(text), ActionListener.map(listener, out -> {
            float[] v = strict(out, i -> "[query_text]")[0];
            queryCache.put(m.name, text, v);
            return v;
        }));
    }

    /** Passage embeddings (passage prefix applied), batched, in the order of {@code texts}. Blocking. */
    public List<float[]> encodePassages(String model, List<String> texts) {
        return encode(model, TextKind.PASSAGE, texts);
    }

    /** Like {@link #encodePassages}, on the ingest lane, answering through {@code listener}. */
    public void encodePassagesAsync(String model, List<String> texts, ActionListener<List<float[]>> listener) {
        run(InferenceScheduler.Lane.INGEST, model, TextKind.PASSAGE, texts, ActionListener.map(listener, out -> List.of(strict(out, i -> "[texts][" + i + "]"))));
    }

    /**
     * Passage embeddings for the ingest processor, on the ingest lane: {@code null} in place of the vector of a text
     * whose tokenization holds no content token, so that the caller fails only the document holding it.
     */
    public void encodePassagesOrNullAsync(String model, List<String> texts, ActionListener<List<float[]>> listener) {
        run(InferenceScheduler.Lane.INGEST, model, TextKind.PASSAGE, texts, ActionListener.map(listener, InferenceScheduler::asList));
    }

    /** Embeddings of {@code texts} with the prefix of {@code kind}, batched, in order; not cached. Blocking. */
    public List<float[]> encode(String model, TextKind kind, List<String> texts) {
        return blocking(l -> encodeAsync(model, kind, texts, l));
    }

    /**
     * Like {@link #encode}, answering through {@code listener}: on the query lane for at most
     * {@value #SMALL_EMBED_TEXTS} texts, else on the ingest lane.
     */
    public void encodeAsync(String model, TextKind kind, List<String> texts, ActionListener<List<float[]>> listener) {
        InferenceScheduler.Lane lane = texts != null && texts.size() <= SMALL_EMBED_TEXTS ? InferenceScheduler.Lane.QUERY : InferenceScheduler.Lane.INGEST;
        run(lane, model, kind, texts, ActionListener.map(listener, out -> List.of(strict(out, i -> "[texts][" + i + "]"))));
    }

    private void run(InferenceScheduler.Lane lane, String model, TextKind kind, List<String> texts, ActionListener<float[][]> listener) {
        final ModelRegistry.Model m;
        try {
            m = registry.known(model);
            checkTexts(texts);
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        if (texts.isEmpty()) {
            listener.onResponse(new float[0][]);
            return;
        }
        String prefix = kind == TextKind.QUERY ? m.manifest.queryPrefix() : m.manifest.passagePrefix();
        scheduler.run(lane, m, prefix, texts, listener);
    }

    /** The vectors, or a 400 naming the first text without a content token. */
    private static float[][] strict(float[][] out, IntFunction<String> name) {
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null) {
                throw noContent(name.apply(i));
            }
        }
        return out;
    }

    /** The 400 for a text whose tokenization holds only special tokens, naming it as {@code what}. */
    public static IllegalArgumentException noContent(String what) {
        return new IllegalArgumentException(
            what + " has no text to embed: the tokenizer keeps no content token of it (only characters it drops, such as "
                + "zero-width spaces, NBSP, control characters, a BOM or lone combining marks)"
        );
    }

    private static <T> T blocking(Consumer<ActionListener<T>> call) {
        PlainActionFuture<T> future = new PlainActionFuture<>();
        call.accept(future);
        return future.actionGet();
    }

    private void checkTexts(List<String> texts) {
        if (texts == null) {
            throw new IllegalArgumentException("texts must not be null");
        }
        for (int i = 0; i < texts.size(); i++) {
            checkText(texts.get(i), "[texts][" + i + "]");
        }
    }

    /**
     * Where each content token of {@code text} lies in it for model {@code model} (null: the default), untruncated:
     * token {@code i} covers the UTF-16 offsets {@code [spans[2i], spans[2i+1])}. Runs the tokenizer on the calling
     * thread (cheap next to inference); waits for a model still loading.
     */
    public int[] tokenSpans(String model, String text) {
        ModelRegistry.Model m = registry.known(model);
        return registry.ready(m).tokenSpans(text);
    }

    /**
     * Runs {@code task} on the ingest lane: CPU work that prepares ingest inference (tokenizing long texts to chunk
     * them, which may also wait for a model still loading) runs where inference does, not on the write or network thread
     * that called the processor. A full queue fails it (429) through {@code onFailure}.
     */
    public void forkIngest(Runnable task, Consumer<Exception> onFailure) {
        scheduler.fork(InferenceScheduler.Lane.INGEST, task, onFailure);
    }

    /** Longest text accepted, in characters ({@code plugins.binary_embeddings.max_text_chars}). */
    public int maxTextChars() {
        return config.maxTextChars();
    }

    /** Most texts one document field may hold ({@code plugins.binary_embeddings.ingest.max_texts_per_field}). */
    public int maxTextsPerField() {
        return config.maxTextsPerField();
    }

    /**
     * Rejects a missing text or one longer than {@link #maxTextChars()} characters (Unicode code points, so an emoji
     * counts once), naming it as {@code what}; callers that know the document field or request parameter check first
     * so the message names that.
     */
    public void checkText(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        int max = config.maxTextChars();
        // code points ≤ UTF-16 units: count them only when the cheap length is over the limit
        if (text.length() > max) {
            int chars = text.codePointCount(0, text.length());
            if (chars > max) {
                throw new IllegalArgumentException(
                    what + " has " + chars + " characters, more than the limit of " + max + " (" + EncoderSettings.MAX_TEXT_CHARS.getKey() + ")"
                );
            }
        }
    }

    /**
     * This node's encoder counters as plain values (for the stats API): per model its status and inference counts,
     * per lane the tasks its queue refused, and the query cache's hits, misses and evictions.
     */
    public Map<String, Object> nodeStats() {
        Map<String, Object> models = new LinkedHashMap<>();
        for (ModelRegistry.Model m : registry.all()) {
            InferenceStats.Snapshot s = m.stats.snapshot();
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("status", m.info().status().name().toLowerCase(Locale.ROOT));
            one.put("texts", s.texts());
            one.put("batches", s.batches());
            one.put("tokens", s.tokens());
            one.put("total_latency_ms", s.totalNanos() / 1_000_000L);
            one.put("mean_batch_latency_ms", s.meanBatchLatencyMillis());
            one.put("mean_text_latency_ms", s.meanTextLatencyMillis());
            models.put(m.name, one);
        }
        QueryEmbeddingCache.Stats c = queryCache.stats();
        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("capacity", config.queryCacheSize());
        cache.put("entries", c.size());
        cache.put("hits", c.hits());
        cache.put("misses", c.misses());
        cache.put("evictions", c.evictions());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("models", models);
        out.put("query_cache", cache);
        out.put("query_lane_rejections", scheduler.rejections(InferenceScheduler.Lane.QUERY));
        out.put("ingest_lane_rejections", scheduler.rejections(InferenceScheduler.Lane.INGEST));
        return out;
    }

    /** Frees every model's native session and tokenizer (after the calls running on them finish). */
    @Override
    public void close() {
        registry.close();
        queryCache.clear();
    }

    /** Splits token lists into batches as the scheduler does (for tests). */
    List<int[]> batches(List<long[]> tokens) {
        return scheduler.batches(tokens);
    }
}
