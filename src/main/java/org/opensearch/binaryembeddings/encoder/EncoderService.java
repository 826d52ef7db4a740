package org.opensearch.binaryembeddings.encoder;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.common.cache.Cache;
import org.opensearch.common.cache.CacheBuilder;
import org.opensearch.core.action.ActionListener;
import org.opensearch.env.Environment;
import org.opensearch.secure_sm.AccessController;
import org.opensearch.threadpool.ThreadPool;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The node's local encoder: every model folder under {@code $OPENSEARCH_PATH_CONF/binary-embeddings/models/} with its
 * one shared ONNX session, used by ingest pipelines, queries and the REST API alike.
 * <p>
 * Models are discovered (manifests read) when the service is built, and loaded in the background by
 * {@link #startLoading(Executor)}; a request for a model that is still loading waits for it. A model that fails to
 * load stays listed with its reason, and requests naming it fail with an {@link IllegalArgumentException} (a 400).
 * <p>
 * All inference runs on the bounded inference executor (the {@code binary_embeddings_inference} thread pool in a
 * node): the blocking methods hand their batches to it and wait, unless they are already called from it, in which
 * case they run inline. A {@code null} model name means the default model.
 */
public final class EncoderService implements Closeable {

    private static final Logger logger = LogManager.getLogger(EncoderService.class);

    /** The plugin's folder in the node's config folder (where the plugin zip's config/ is installed). */
    public static final String CONFIG_FOLDER = "binary-embeddings";

    /** How long a request waits for a model that is still loading. */
    private static final long LOAD_WAIT_SECONDS = 120;

    /** True on threads running a task this service submitted: blocking calls there run inline. */
    private static final ThreadLocal<Boolean> ON_INFERENCE_THREAD = ThreadLocal.withInitial(() -> false);

    /** Which prefix a text gets. */
    public enum TextKind {
        QUERY,
        PASSAGE
    }

    private final Path modelsRoot;
    private final EncoderSettings.Config config;
    private final Executor executor;
    private final Map<String, Model> models;
    private final Cache<String, float[]> queryCache;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private volatile boolean closed;

    /**
     * Discovers the models under {@code modelsRoot} (reads their manifests; loads nothing yet).
     *
     * @param executor the bounded executor that runs inference
     */
    public EncoderService(Path modelsRoot, EncoderSettings.Config config, Executor executor) {
        this.modelsRoot = modelsRoot.toAbsolutePath().normalize();
        this.config = config;
        this.executor = executor;
        this.models = Collections.unmodifiableMap(discover(this.modelsRoot, config.enabledModels()));
        this.queryCache = config.queryCacheSize() > 0
            ? CacheBuilder.<String, float[]>builder().setMaximumWeight(config.queryCacheSize()).build()
            : null;
        if (models.containsKey(config.defaultModel()) == false) {
            logger.warn("default model [{}] is not among the models found in [{}]: {}", config.defaultModel(), this.modelsRoot, models.keySet());
        }
    }

    /**
     * The node's service: models from {@code $OPENSEARCH_PATH_CONF/binary-embeddings/models/}, inference on the
     * {@value EncoderSettings#THREAD_POOL} pool, DJL's native cache under the node's data path; loading starts now,
     * in the background.
     */
    public static EncoderService forNode(Environment environment, ThreadPool threadPool) {
        Path[] data = environment.dataFiles();
        NativeLibraries.prepare(data.length == 0 ? null : data[0].resolve("binary_embeddings").resolve("djl_cache"));
        Path root = environment.configDir().resolve(CONFIG_FOLDER).resolve("models");
        EncoderService service = new EncoderService(
            root,
            EncoderSettings.Config.from(environment.settings()),
            threadPool.executor(EncoderSettings.THREAD_POOL)
        );
        service.startLoading(loaderThread());
        return service;
    }

    private static Map<String, Model> discover(Path root, List<String> enabled) {
        Map<String, Model> found = new TreeMap<>();
        List<String> names = new ArrayList<>();
        AccessController.doPrivileged(() -> {
            if (Files.isDirectory(root) == false) {
                logger.warn("models folder [{}] does not exist: no local models", root);
                return;
            }
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
                for (Path dir : dirs) {
                    String name = dir.getFileName().toString();
                    if (ModelPaths.NAME.matcher(name).matches() == false || name.contains("..")) {
                        logger.warn("ignoring folder [{}] in [{}]: not a valid model name", name, root);
                        continue;
                    }
                    names.add(name);
                }
            } catch (IOException e) {
                logger.warn(() -> "cannot list models folder [" + root + "]", e);
            }
        });
        for (String name : names) {
            if (enabled.isEmpty() || enabled.contains(name)) {
                found.put(name, readManifest(root, name));
            }
        }
        for (String name : enabled) {
            if (found.containsKey(name) == false) {
                found.put(name, new Model(name, null, "no model folder [" + name + "] in the models folder"));
            }
        }
        return found;
    }

    private static Model readManifest(Path root, String name) {
        Path file = ModelPaths.modelFile(root, name, ModelManifest.FILE_NAME);
        try {
            ModelManifest manifest = AccessController.doPrivilegedChecked(() -> {
                if (Files.isRegularFile(file) == false) {
                    throw new IllegalArgumentException("missing " + ModelManifest.FILE_NAME);
                }
                try (InputStream in = Files.newInputStream(file)) {
                    return ModelManifest.parse(name, in);
                }
            });
            return new Model(name, manifest, null);
        } catch (Exception e) {
            logger.warn("model [{}]: invalid {}: {}", name, ModelManifest.FILE_NAME, e.getMessage());
            return new Model(name, null, "invalid " + ModelManifest.FILE_NAME + ": " + e.getMessage());
        }
    }

    /** Loads every discovered model, one after the other, on {@code loader} (not the inference executor). */
    public void startLoading(Executor loader) {
        loader.execute(() -> {
            try {
                NativeLibraries.prepare(null); // at least: no DJL telemetry call
                for (Model m : models.values()) {
                    load(m);
                }
            } finally {
                loaded.countDown();
            }
        });
    }

    private void load(Model m) {
        if (m.manifest == null) {
            m.ready.complete(null);
            return;
        }
        long t0 = System.nanoTime();
        try {
            Path dir = ModelPaths.modelDir(modelsRoot, m.name);
            OnnxEncoder encoder = AccessController.doPrivilegedChecked(() -> OnnxEncoder.load(m.manifest, dir, config.intraOpThreads()));
            synchronized (this) {
                if (closed) {
                    encoder.close();
                    m.fail("node is closing");
                    return;
                }
                m.encoder = encoder;
                m.status = ModelInfo.Status.LOADED;
            }
            logger.info("model [{}] loaded in {} ms ({} dims, {} pooling)", m.name, (System.nanoTime() - t0) / 1_000_000, m.manifest.dims(), m.manifest.pooling().value());
        } catch (VirtualMachineError e) {
            m.fail(e.toString());
            throw e;
        } catch (Throwable e) { // e.g. DJL throws AssertionError when it cannot find its native library
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            // name files relative to the models folder: the status is shown by the REST API
            reason = reason.replace(modelsRoot.toString() + java.io.File.separator, "");
            logger.warn(() -> "model [" + m.name + "] failed to load", e);
            m.fail(reason);
        } finally {
            m.ready.complete(null);
        }
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
        return loaded.await(timeout, unit);
    }

    public Path modelsRoot() {
        return modelsRoot;
    }

    /** True if the model is known on this node: discovered or enabled, whether loading, loaded or failed. */
    public boolean hasModel(String name) {
        return name != null && models.containsKey(name);
    }

    public String defaultModel() {
        return config.defaultModel();
    }

    /** The model's manifest and status; {@code null} means the default model. */
    public ModelInfo model(String name) {
        return lookup(name).info();
    }

    /** All known models, by name. */
    public List<ModelInfo> models() {
        return models.values().stream().map(Model::info).toList();
    }

    /** Inference counters of a model. */
    public InferenceStats.Snapshot stats(String name) {
        return lookup(name).stats.snapshot();
    }

    /** Query embedding (query prefix applied), from the LRU cache when possible. Blocking. */
    public float[] encodeQuery(String model, String text) {
        Model m = known(model);
        checkText(text, "[query_text]");
        String key = m.name + '\n' + text;
        float[] cached = queryCache == null ? null : queryCache.get(key);
        if (cached != null) {
            return cached.clone();
        }
        float[] v = blocking(m, List.of(m.manifest().queryPrefix() + text)).get(0);
        if (queryCache != null) {
            queryCache.put(key, v);
        }
        return v.clone();
    }

    /** Like {@link #encodeQuery} but runs on the inference executor and answers through {@code listener}. */
    public void encodeQueryAsync(String model, String text, ActionListener<float[]> listener) {
        final Model m;
        final String key;
        try {
            m = known(model);
            checkText(text, "[query_text]");
            key = m.name + '\n' + text;
            float[] cached = queryCache == null ? null : queryCache.get(key);
            if (cached != null) {
                listener.onResponse(cached.clone());
                return;
            }
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        submitAsync(m, List.of(m.manifest().queryPrefix() + text), ActionListener.map(listener, vs -> {
            float[] v = vs.get(0);
            if (queryCache != null) {
                queryCache.put(key, v);
            }
            return v.clone();
        }));
    }

    /** Passage embeddings (passage prefix applied), batched, in the order of {@code texts}. Blocking. */
    public List<float[]> encodePassages(String model, List<String> texts) {
        return encode(model, TextKind.PASSAGE, texts);
    }

    /** Like {@link #encodePassages} but runs on the inference executor and answers through {@code listener}. */
    public void encodePassagesAsync(String model, List<String> texts, ActionListener<List<float[]>> listener) {
        encodeAsync(model, TextKind.PASSAGE, texts, listener);
    }

    /** Embeddings of {@code texts} with the prefix of {@code kind}, batched, in order; not cached. Blocking. */
    public List<float[]> encode(String model, TextKind kind, List<String> texts) {
        Model m = known(model);
        List<String> prefixed = prefixed(m, kind, texts);
        return prefixed.isEmpty() ? List.of() : blocking(m, prefixed);
    }

    /** Like {@link #encode} but runs on the inference executor and answers through {@code listener}. */
    public void encodeAsync(String model, TextKind kind, List<String> texts, ActionListener<List<float[]>> listener) {
        final Model m;
        final List<String> prefixed;
        try {
            m = known(model);
            prefixed = prefixed(m, kind, texts);
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        if (prefixed.isEmpty()) {
            listener.onResponse(List.of());
            return;
        }
        submitAsync(m, prefixed, listener);
    }

    private List<String> prefixed(Model m, TextKind kind, List<String> texts) {
        if (texts == null) {
            throw new IllegalArgumentException("texts must not be null");
        }
        String prefix = kind == TextKind.QUERY ? m.manifest().queryPrefix() : m.manifest().passagePrefix();
        List<String> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            checkText(texts.get(i), "[texts][" + i + "]");
            out.add(prefix + texts.get(i));
        }
        return out;
    }

    /** Longest text accepted ({@code plugins.binary_embeddings.max_text_chars}). */
    public int maxTextChars() {
        return config.maxTextChars();
    }

    /**
     * Rejects a missing text or one longer than {@link #maxTextChars()}, naming it as {@code what}; callers that know
     * the document field or request parameter check first so the message names that.
     */
    public void checkText(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (text.length() > config.maxTextChars()) {
            throw new IllegalArgumentException(
                what + " has " + text.length() + " characters, more than the limit of " + config.maxTextChars() + " ("
                    + EncoderSettings.MAX_TEXT_CHARS.getKey() + ")"
            );
        }
    }

    private void submitAsync(Model m, List<String> texts, ActionListener<List<float[]>> listener) {
        try {
            executor.execute(onInferenceThread(() -> ActionListener.completeWith(listener, () -> inline(m, texts))));
        } catch (Exception e) { // rejected: queue full, or shutting down
            listener.onFailure(e);
        }
    }

    /**
     * Runs on the inference executor and waits; inline when already on it (no deadlock, no extra hop). The caller
     * tokenizes (cheap next to inference) so that batches can be cut by token count.
     */
    private List<float[]> blocking(Model m, List<String> texts) {
        if (ON_INFERENCE_THREAD.get()) {
            return inline(m, texts);
        }
        OnnxEncoder encoder = ready(m);
        List<long[]> tokens = tokenize(encoder, texts);
        List<int[]> batches = batches(tokens);
        float[][] out = new float[texts.size()][];
        List<CompletableFuture<Void>> futures = new ArrayList<>(batches.size());
        for (int[] batch : batches) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            futures.add(f);
            try {
                executor.execute(onInferenceThread(() -> {
                    try {
                        runBatch(m, encoder, tokens, batch, out);
                        f.complete(null);
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    }
                }));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
                break;
            }
        }
        for (CompletableFuture<Void> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while encoding", e);
            } catch (ExecutionException e) {
                throw unwrap(e.getCause());
            }
        }
        return Arrays.asList(out);
    }

    private List<float[]> inline(Model m, List<String> texts) {
        OnnxEncoder encoder = ready(m);
        List<long[]> tokens = tokenize(encoder, texts);
        float[][] out = new float[texts.size()][];
        for (int[] batch : batches(tokens)) {
            runBatch(m, encoder, tokens, batch, out);
        }
        return Arrays.asList(out);
    }

    private static List<long[]> tokenize(OnnxEncoder encoder, List<String> texts) {
        List<long[]> tokens = new ArrayList<>(texts.size());
        for (String t : texts) {
            tokens.add(encoder.tokenize(t));
        }
        return tokens;
    }

    /**
     * Splits text indices into batches, shortest texts first so each batch pads little; a batch holds at most
     * max_batch_size texts and at most max_batch_tokens padded tokens (one over-long text still forms a batch).
     */
    List<int[]> batches(List<long[]> tokens) {
        int n = tokens.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> tokens.get(i).length));
        List<int[]> batches = new ArrayList<>();
        int from = 0;
        while (from < n) {
            int to = from + 1;
            // sorted ascending: the candidate is the longest text of the batch it would join
            while (to < n && to - from < config.maxBatchSize() && (long) (to - from + 1) * tokens.get(order[to]).length <= config.maxBatchTokens()) {
                to++;
            }
            int[] b = new int[to - from];
            for (int j = from; j < to; j++) {
                b[j - from] = order[j];
            }
            batches.add(b);
            from = to;
        }
        return batches;
    }

    private void runBatch(Model m, OnnxEncoder encoder, List<long[]> tokens, int[] batch, float[][] out) {
        long t0 = System.nanoTime();
        List<long[]> inputs = new ArrayList<>(batch.length);
        for (int i : batch) {
            inputs.add(tokens.get(i));
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
        m.stats.record(batch.length, System.nanoTime() - t0);
    }

    private static Runnable onInferenceThread(Runnable r) {
        return () -> {
            boolean before = ON_INFERENCE_THREAD.get();
            ON_INFERENCE_THREAD.set(true);
            try {
                r.run();
            } finally {
                ON_INFERENCE_THREAD.set(before);
            }
        };
    }

    private static RuntimeException unwrap(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t.getMessage(), t);
    }

    /** The known model {@code name} (null: the default), whatever its status. */
    private Model lookup(String name) {
        ensureOpen();
        String n = name == null ? config.defaultModel() : name;
        Model m = models.get(n);
        if (m == null) {
            throw new IllegalArgumentException("unknown model [" + n + "]; available: " + models.keySet());
        }
        return m;
    }

    /** The known model {@code name} (null: the default) unless it has already failed. */
    private Model known(String name) {
        Model m = lookup(name);
        if (m.status == ModelInfo.Status.FAILED) {
            throw unavailable(m);
        }
        return m;
    }

    private static IllegalArgumentException unavailable(Model m) {
        return new IllegalArgumentException("model [" + m.name + "] is not available: it failed to load: " + m.failure);
    }

    /** The loaded encoder of {@code m}, waiting for a background load still under way. */
    private OnnxEncoder ready(Model m) {
        if (m.status == ModelInfo.Status.LOADING) {
            try {
                m.ready.get(LOAD_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for model [" + m.name + "] to load", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("model [" + m.name + "] is still loading", e);
            }
        }
        ensureOpen();
        OnnxEncoder encoder = m.encoder;
        if (m.status == ModelInfo.Status.FAILED || encoder == null) {
            throw unavailable(m);
        }
        return encoder;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the encoder service is closed");
        }
    }

    /** Frees every model's native session and tokenizer (after the calls running on them finish). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Model m : models.values()) {
            OnnxEncoder e = m.encoder;
            if (e != null) {
                e.close();
            }
        }
        if (queryCache != null) {
            queryCache.invalidateAll();
        }
    }

    /** One known model and its state on this node. */
    private static final class Model {
        final String name;
        final ModelManifest manifest;
        final InferenceStats stats = new InferenceStats();
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        volatile ModelInfo.Status status;
        volatile String failure;
        volatile OnnxEncoder encoder;

        Model(String name, ModelManifest manifest, String failure) {
            this.name = name;
            this.manifest = manifest;
            this.failure = failure;
            this.status = manifest == null ? ModelInfo.Status.FAILED : ModelInfo.Status.LOADING;
        }

        ModelManifest manifest() {
            return manifest;
        }

        void fail(String reason) {
            failure = reason;
            status = ModelInfo.Status.FAILED;
        }

        ModelInfo info() {
            return manifest == null ? ModelInfo.failedWithoutManifest(name, failure) : ModelInfo.of(manifest, status, failure);
        }
    }
}
