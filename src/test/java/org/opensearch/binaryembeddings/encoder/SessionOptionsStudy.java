package org.opensearch.binaryembeddings.encoder;

import ai.onnxruntime.OrtSession;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testsupport.BenchMain;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Model runs only, as the pipeline cuts them (not a test; {@code bin/bench-encoder --session} runs it): msmarco
 * passages in calls of 32 texts (the processor's batch_size), each call cut into batches by the scheduler's rule, the
 * batches of a chunk pulled by as many threads as cores; one contender per ONNX Runtime session option (or batch
 * shape), interleaved chunk by chunk with langchain4j's embedAll of the same texts. Prints texts/s and the lowest
 * cosine of each contender's vectors to the shipped session's.
 */
public final class SessionOptionsStudy {

    private record Contender(String name, int maxBatchSize, int maxBatchTokens, int intraOp, OnnxEncoder.SessionTweak tweak) {}

    private SessionOptionsStudy() {}

    public static void main(String[] args) throws Exception {
        BenchMain.run(() -> study(args));
    }

    private static void study(String[] args) throws Exception {
        NativeLibraries.prepare(null);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        int chunks = Integer.getInteger("bench.chunks", 6);
        int cores = Runtime.getRuntime().availableProcessors();
        EncoderSettings.Config shipped = EncoderSettings.Config.defaults();
        int b = shipped.maxBatchSize(), t = shipped.maxBatchTokens();
        List<Contender> all = List.of(
            new Contender("shipped (ALL_OPT, spinning off)", b, t, 1, so -> {
                if (System.getProperty("study.dump") != null) { // the optimized graph, to see which ops it runs
                    so.setOptimizedModelFilePath(System.getProperty("study.dump"));
                }
            }),
            new Contender("EXTENDED_OPT", b, t, 1, so -> so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT)),
            new Contender("memory pattern off", b, t, 1, so -> so.setMemoryPatternOptimization(false)),
            new Contender("cpu arena off", b, t, 1, so -> so.setCPUArenaAllocator(false)),
            new Contender("denormals as zero", b, t, 1, so -> so.addConfigEntry("session.set_denormal_as_zero", "1")),
            new Contender("tokens 256", b, 256, 1, so -> {}),
            new Contender("tokens 1024", b, 1024, 1, so -> {}),
            new Contender("batch of one", 1, t, 1, so -> {}),
            new Contender("batch 4", 4, t, 1, so -> {}),
            new Contender("tokens 128", b, 128, 1, so -> {}),
            new Contender("batch 2", 2, t, 1, so -> {}),
            new Contender("batch of one, cpu arena off", 1, t, 1, so -> so.setCPUArenaAllocator(false)),
            new Contender("batch of one, gelu approximation", 1, t, 1, so -> so.addConfigEntry("optimization.enable_gelu_approximation", "1")),
            new Contender("batch of one, memory pattern off", 1, t, 1, so -> so.setMemoryPatternOptimization(false))
        );
        List<Contender> contenders = new ArrayList<>();
        for (Contender c : all) {
            if (args.length <= 1 || c == all.get(0) || List.of(args).subList(1, args.length).contains(Integer.toString(all.indexOf(c)))) {
                contenders.add(c);
            }
        }
        Path dir = TestModels.bundled().resolve(TestModels.BGE);
        ModelManifest manifest;
        try (InputStream in = Files.newInputStream(dir.resolve(ModelManifest.FILE_NAME))) {
            manifest = ModelManifest.parse(TestModels.BGE, in);
        }
        List<String> texts = Corpus.msmarco().docs.subList(0, n).stream().map(Corpus.Doc::content).toList();
        List<OnnxEncoder> encoders = new ArrayList<>();
        Map<Contender, float[][]> vectors = new LinkedHashMap<>();
        long[] nanos = new long[contenders.size()];
        ExecutorService pool = Executors.newFixedThreadPool(cores);
        try {
            for (Contender c : contenders) {
                encoders.add(OnnxEncoder.load(manifest, dir, c.intraOp, c.tweak));
                vectors.put(c, new float[n][]);
            }
            List<long[]> tokens = new ArrayList<>();
            for (String text : texts) {
                tokens.add(encoders.get(0).tokenize(manifest.passagePrefix() + text));
            }
            EmbeddingModel reference = new BgeSmallEnV15QuantizedEmbeddingModel();
            List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
            reference.embedAll(segments.subList(0, 32));
            for (int i = 0; i < contenders.size(); i++) { // warm-up
                run(contenders.get(i), encoders.get(i), tokens.subList(0, 32), 0, new float[n][], pool, cores);
            }
            long refNanos = 0;
            float[][] refVectors = new float[n][];
            for (int k = 0; k < chunks; k++) {
                int from = k * n / chunks, to = (k + 1) * n / chunks;
                long t0 = System.nanoTime();
                var got = reference.embedAll(segments.subList(from, to)).content();
                refNanos += System.nanoTime() - t0;
                for (int j = from; j < to; j++) {
                    refVectors[j] = got.get(j - from).vector();
                }
                for (int i = 0; i < contenders.size(); i++) {
                    long s = System.nanoTime();
                    run(contenders.get(i), encoders.get(i), tokens.subList(from, to), from, vectors.get(contenders.get(i)), pool, cores);
                    nanos[i] += System.nanoTime() - s;
                }
            }
            double ref = n / (refNanos / 1e9);
            System.out.printf(Locale.ROOT, "session options study: %d msmarco passages, %d chunks, %d threads pulling batches, calls of 32 texts%n", n, chunks, cores);
            System.out.printf(Locale.ROOT, "%-34s %7.1f texts/s%n", "langchain4j embedAll", ref);
            float[][] base = vectors.get(contenders.get(0));
            for (int i = 0; i < contenders.size(); i++) {
                Contender c = contenders.get(i);
                double minCos = 1, minRef = 1;
                for (int j = 0; j < n; j++) {
                    minCos = Math.min(minCos, dot(base[j], vectors.get(c)[j]));
                    minRef = Math.min(minRef, dot(refVectors[j], vectors.get(c)[j]));
                }
                double rate = n / (nanos[i] / 1e9);
                System.out.printf(Locale.ROOT, "%-34s %7.1f texts/s = %.2fx langchain4j = %.3fx shipped; min cosine to shipped %.5f, to langchain4j %.5f%n", c.name, rate,
                    rate / ref, (double) nanos[0] / nanos[i], minCos, minRef);
            }
        } finally {
            pool.shutdownNow();
            for (OnnxEncoder e : encoders) {
                e.close();
            }
        }
    }

    /** Calls of 32 texts cut into batches by the scheduler's rule; all batches of the chunk pulled by {@code threads}. */
    private static void run(Contender c, OnnxEncoder encoder, List<long[]> tokens, int offset, float[][] out, ExecutorService pool, int threads)
        throws Exception {
        InferenceScheduler scheduler = new InferenceScheduler(null, EncoderSettings.Config.defaults().withMaxBatchSize(c.maxBatchSize)
            .withMaxBatchTokens(c.maxBatchTokens), Runnable::run, Runnable::run);
        List<int[]> batches = new ArrayList<>();
        for (int from = 0; from < tokens.size(); from += 32) {
            List<int[]> call = scheduler.batches(tokens.subList(from, Math.min(tokens.size(), from + 32)));
            for (int j = call.size() - 1; j >= 0; j--) { // longest first, as the scheduler's tasks take them
                int[] batch = call.get(j);
                for (int x = 0; x < batch.length; x++) {
                    batch[x] += from;
                }
                batches.add(batch);
            }
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            fs.add(pool.submit(() -> {
                for (int k = next.getAndIncrement(); k < batches.size(); k = next.getAndIncrement()) {
                    int[] batch = batches.get(k);
                    List<long[]> in = new ArrayList<>();
                    for (int i : batch) {
                        in.add(tokens.get(i));
                    }
                    float[][] v = encoder.embed(in);
                    for (int j = 0; j < batch.length; j++) {
                        out[offset + batch[j]] = v[j];
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
