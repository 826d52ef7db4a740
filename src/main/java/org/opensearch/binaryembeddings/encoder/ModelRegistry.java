package org.opensearch.binaryembeddings.encoder;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.secure_sm.AccessController;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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
 * The models of a node: every folder under the models folder, discovered (manifests read) when the registry is
 * built and loaded in the background by {@link #startLoading(Executor)}. A model that fails to load stays listed with
 * its reason; requests naming it fail with an {@link IllegalArgumentException} (a 400). Knows nothing of inference
 * scheduling or caching.
 */
final class ModelRegistry {

    private static final Logger logger = LogManager.getLogger(ModelRegistry.class);

    /** How long a request waits for a model that is still loading. */
    private static final long LOAD_WAIT_SECONDS = 120;

    private final Path modelsRoot;
    private final String defaultModel;
    private final int intraOpThreads;
    private final Map<String, Model> models;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private volatile boolean closed;

    ModelRegistry(Path modelsRoot, EncoderSettings.Config config) {
        this.modelsRoot = modelsRoot.toAbsolutePath().normalize();
        this.defaultModel = config.defaultModel();
        this.intraOpThreads = config.intraOpThreads();
        this.models = Collections.unmodifiableMap(discover(this.modelsRoot, config.enabledModels()));
        if (models.containsKey(defaultModel) == false) {
            logger.warn("default model [{}] is not among the models found in [{}]: {}", defaultModel, this.modelsRoot, models.keySet());
        }
    }

    String defaultModel() {
        return defaultModel;
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

    /** Loads every discovered model, one after the other, on {@code loader} (not an inference executor). */
    void startLoading(Executor loader) {
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
            OnnxEncoder encoder = AccessController.doPrivilegedChecked(() -> OnnxEncoder.load(m.manifest, dir, intraOpThreads));
            synchronized (this) {
                if (closed) {
                    encoder.close();
                    m.fail("node is closing");
                    return;
                }
                m.encoder = encoder;
                m.status = ModelInfo.Status.LOADED;
            }
            logger.info(
                "model [{}] loaded in {} ms ({} dims, {} pooling)",
                m.name,
                (System.nanoTime() - t0) / 1_000_000,
                m.manifest.dims(),
                m.manifest.pooling().value()
            );
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

    boolean awaitLoaded(long timeout, TimeUnit unit) throws InterruptedException {
        return loaded.await(timeout, unit);
    }

    boolean hasModel(String name) {
        return name != null && models.containsKey(name);
    }

    List<Model> all() {
        return List.copyOf(models.values());
    }

    /** The known model {@code name} (null: the default), whatever its status. */
    Model lookup(String name) {
        ensureOpen();
        String n = name == null ? defaultModel : name;
        Model m = models.get(n);
        if (m == null) {
            throw new IllegalArgumentException("unknown model [" + n + "]; available: " + models.keySet());
        }
        return m;
    }

    /** The known model {@code name} (null: the default) unless it has already failed. */
    Model known(String name) {
        Model m = lookup(name);
        if (m.status == ModelInfo.Status.FAILED) {
            throw unavailable(m);
        }
        return m;
    }

    private static IllegalArgumentException unavailable(Model m) {
        return new IllegalArgumentException(ModelInfo.unavailable(m.name, m.failure));
    }

    /** The loaded encoder of {@code m}, waiting for a background load still under way. */
    OnnxEncoder ready(Model m) {
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

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the encoder service is closed");
        }
    }

    /** Frees every model's native session and tokenizer (after the calls running on them finish). */
    synchronized void close() {
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
    }

    /** One known model and its state on this node. */
    static final class Model {
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

        void fail(String reason) {
            failure = reason;
            status = ModelInfo.Status.FAILED;
        }

        ModelInfo info() {
            return manifest == null ? ModelInfo.failedWithoutManifest(name, failure) : ModelInfo.of(manifest, status, failure);
        }
    }
}
