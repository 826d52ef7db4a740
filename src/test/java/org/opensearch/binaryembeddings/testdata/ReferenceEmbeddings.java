package org.opensearch.binaryembeddings.testdata;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Independent reference embeddings of a {@link Corpus}: langchain4j's in-process bge-small-en-v1.5 int8 model (test
 * scope only; the same ONNX file the plugin bundles). Computed once per corpus and cached under be.cache.dir, because
 * encoding thousands of passages takes a minute or two on 2 cores.
 */
public final class ReferenceEmbeddings {

    public static final String BGE_QUERY_PREFIX = "Represent this sentence for searching relevant passages: ";

    private static final Map<String, float[][]> CACHE = new HashMap<>();

    private ReferenceEmbeddings() {}

    public static Path cacheDir() {
        return Path.of(System.getProperty("be.cache.dir", "target/cache"));
    }

    /**
     * Unit-length embeddings of the corpus's docs (title + " " + text), in corpus order; {@code name} names the corpus
     * in the cache file (the size is added).
     */
    public static synchronized float[][] passages(String name, Corpus corpus) {
        String file = "ref-bge-small-en-v1.5-q-" + name + "-" + corpus.docs.size() + "-passages.f32";
        return CACHE.computeIfAbsent(file, f -> cached(f, () -> corpus.docs.stream().map(Corpus.Doc::content).toList()));
    }

    /** Unit-length embeddings of the corpus's queries with the bge query prefix, in file order. */
    public static synchronized float[][] queries(String name, Corpus corpus) {
        String file = "ref-bge-small-en-v1.5-q-" + name + "-" + corpus.queries.size() + "-queries.f32";
        return CACHE.computeIfAbsent(file, f -> cached(f, () -> corpus.queries.stream().map(q -> BGE_QUERY_PREFIX + q.text()).toList()));
    }

    /** Embeds texts with the reference model (no caching). */
    public static float[][] embed(List<String> texts) {
        EmbeddingModel model = new BgeSmallEnV15QuantizedEmbeddingModel();
        List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
        List<float[]> out = new ArrayList<>();
        int batch = 64;
        for (int i = 0; i < segments.size(); i += batch) {
            model.embedAll(segments.subList(i, Math.min(segments.size(), i + batch))).content().forEach(e -> out.add(e.vector()));
        }
        return out.toArray(new float[0][]);
    }

    private static float[][] cached(String name, java.util.function.Supplier<List<String>> texts) {
        Path file = cacheDir().resolve(name);
        try {
            if (Files.exists(file)) {
                try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
                    int n = in.readInt(), d = in.readInt();
                    float[][] v = new float[n][d];
                    for (float[] row : v) {
                        for (int j = 0; j < d; j++) row[j] = in.readFloat();
                    }
                    return v;
                }
            }
            float[][] v = embed(texts.get());
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(name + ".tmp");
            try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
                out.writeInt(v.length);
                out.writeInt(v[0].length);
                for (float[] row : v) {
                    for (float x : row) out.writeFloat(x);
                }
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
