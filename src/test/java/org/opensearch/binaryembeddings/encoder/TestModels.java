package org.opensearch.binaryembeddings.encoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** The bundled model folders as the build copied them below the test tmpdir (the pom's models-for-tests step). */
public final class TestModels {

    public static final String BGE = "bge-small-en-v1.5-q";
    public static final String MINILM = "all-minilm-l6-v2-q";

    private TestModels() {}

    public static Path bundled() {
        return Path.of(System.getProperty("be.models.dir"));
    }

    /** The test framework's temp dirs live on a wrapping file system; model files are copied with the default one. */
    public static Path plain(Path p) {
        return Path.of(p.toAbsolutePath().toString());
    }

    /**
     * A node's {@code $OPENSEARCH_PATH_CONF} below {@code tmp} with the bundled bge model installed where nodes look for
     * models ({@link #modelsOf}); for internal-cluster tests' {@code nodeConfigPath}.
     */
    public static Path nodeConfigWithBge(Path tmp) throws IOException {
        Path conf = plain(tmp).resolve("config");
        copyModel(BGE, modelsOf(conf));
        return conf;
    }

    /** The models folder of a node's config folder. */
    public static Path modelsOf(Path conf) {
        return conf.resolve(EncoderService.CONFIG_FOLDER).resolve("models");
    }

    /** Copies (or hard-links) model {@code name} into {@code root/name}. */
    public static Path copyModel(String name, Path root) throws IOException {
        Path from = bundled().resolve(name);
        Path to = Files.createDirectories(plain(root).resolve(name));
        for (String f : new String[] { ModelManifest.FILE_NAME, ModelPaths.MODEL_FILE, ModelPaths.TOKENIZER_FILE }) {
            try {
                Files.createLink(to.resolve(f), from.resolve(f));
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(from.resolve(f), to.resolve(f));
            }
        }
        return to;
    }

    /** A service over {@code root} whose models are loaded before it is returned. */
    public static EncoderService loadedService(Path root, EncoderSettings.Config config, ExecutorService executor) throws InterruptedException {
        EncoderService service = new EncoderService(root, config, executor);
        service.startLoading(EncoderService.loaderThread());
        if (service.awaitLoaded(120, TimeUnit.SECONDS) == false) {
            throw new AssertionError("models did not load in 120 s");
        }
        return service;
    }

    public static ExecutorService executor(int threads) {
        return Executors.newFixedThreadPool(threads);
    }

    public static void shutdown(ExecutorService executor) throws InterruptedException {
        if (executor != null) {
            executor.shutdownNow();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    public static double norm(float[] a) {
        double s = 0;
        for (float x : a) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
