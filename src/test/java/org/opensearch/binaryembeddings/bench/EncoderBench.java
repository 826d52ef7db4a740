package org.opensearch.binaryembeddings.bench;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;

import org.opensearch.binaryembeddings.encoder.EncoderService;
import org.opensearch.binaryembeddings.encoder.EncoderSettings;
import org.opensearch.binaryembeddings.encoder.NativeLibraries;
import org.opensearch.binaryembeddings.testdata.Corpus;

import org.opensearch.binaryembeddings.testsupport.BenchMain;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Encoder throughput (not a test): texts/second of our {@link EncoderService} (bge-small-en-v1.5-q, passages) against
 * langchain4j's in-process model with its defaults, on the same msmarco-5k passages in the same JVM.
 * <p>
 * Run with {@code bin/bench-encoder [texts] [config ...]}, a config being {@code threads/intraOp/batch}, e.g.
 * {@code 1/1/32} (optionally {@code /max_batch_tokens}); with none: the shipped defaults for this machine and a small grid around them.
 */
public final class EncoderBench {

    private EncoderBench() {}

    public static void main(String[] args) throws Exception {
        BenchMain.run(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int cores = Runtime.getRuntime().availableProcessors();
        EncoderSettings.Config shipped = EncoderSettings.Config.defaults();
        // plugins.binary_embeddings.inference.threads defaults to the allocated processors / intra-op threads
        int shippedThreads = Math.max(1, cores / shipped.intraOpThreads());
        List<int[]> configs = new ArrayList<>();
        if (args.length > 1) {
            for (int i = 1; i < args.length; i++) {
                String[] p = args[i].split("/");
                configs.add(new int[] { Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), p.length > 3 ? Integer.parseInt(p[3]) : shipped.maxBatchTokens() });
            }
        } else {
            configs.add(new int[] { shippedThreads, shipped.intraOpThreads(), shipped.maxBatchSize(), shipped.maxBatchTokens() });
            int big = 1_000_000; // no token cap: count-only batches
            // around the shipped point (one text per model run): batches as shipped until 2026-12-04 (up to 32 texts
            // and 512 padded tokens), small batches, half the threads with two ONNX threads each, count-only batches
            int half = Math.max(1, cores / 2);
            for (int[] c : new int[][] { { cores, 1, 32, 512 }, { cores, 1, 4, 512 }, { half, 2, 1, 512 }, { cores, 1, 32, big } }) {
                if (java.util.Arrays.equals(c, configs.get(0)) == false) {
                    configs.add(c);
                }
            }
        }
        NativeLibraries.prepare(null);
        List<String> texts = Corpus.msmarco().docs.subList(0, n).stream().map(Corpus.Doc::content).toList();
        Path models = Path.of(System.getProperty("be.models.dir"));
        int chunks = Integer.getInteger("bench.chunks", 8);
        System.out.printf(
            Locale.ROOT,
            "encoder benchmark: %d msmarco-5k passages, bge-small-en-v1.5-q int8, %d cores; contenders interleaved over %d chunks%n",
            n,
            cores,
            chunks
        );

        EmbeddingModel reference = new BgeSmallEnV15QuantizedEmbeddingModel();
        List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
        reference.embedAll(segments.subList(0, Math.min(32, n)));
        List<ExecutorService> pools = new ArrayList<>();
        List<EncoderService> services = new ArrayList<>();
        try {
            for (int[] c : configs) {
                ExecutorService pool = Executors.newFixedThreadPool(c[0]);
                pools.add(pool);
                EncoderSettings.Config config = shipped.withIntraOpThreads(c[1])
                    .withMaxBatchSize(c[2])
                    .withMaxBatchTokens(c[3])
                    .withEnabledModels(List.of("bge-small-en-v1.5-q"));
                EncoderService service = new EncoderService(models, config, pool);
                services.add(service);
                service.startLoading(EncoderService.loaderThread());
                service.awaitLoaded(120, TimeUnit.SECONDS);
                service.encodePassages(null, texts.subList(0, Math.min(32, n))); // warm-up
            }
            // each chunk of texts goes through every contender in turn, so load from other processes hits all alike
            long refNanos = 0;
            long[] nanos = new long[configs.size()];
            for (int k = 0; k < chunks; k++) {
                int from = k * n / chunks, to = (k + 1) * n / chunks;
                long t0 = System.nanoTime();
                reference.embedAll(segments.subList(from, to));
                refNanos += System.nanoTime() - t0;
                for (int i = 0; i < configs.size(); i++) {
                    long s = System.nanoTime();
                    services.get(i).encodePassages(null, texts.subList(from, to));
                    nanos[i] += System.nanoTime() - s;
                }
            }
            double refRate = n / (refNanos / 1e9);
            System.out.printf(Locale.ROOT, "langchain4j (defaults, embedAll)                     %7.1f texts/s%n", refRate);
            for (int i = 0; i < configs.size(); i++) {
                int[] c = configs.get(i);
                double rate = n / (nanos[i] / 1e9);
                System.out.printf(
                    Locale.ROOT,
                    "ours threads=%d intra_op=%d max_batch=%-3d max_tokens=%-7s %-10s %7.1f texts/s  = %.2fx langchain4j%n",
                    c[0],
                    c[1],
                    c[2],
                    c[3] >= 1_000_000 ? "-" : Integer.toString(c[3]),
                    i == 0 && args.length <= 1 ? "(shipped)" : "",
                    rate,
                    rate / refRate
                );
            }
        } finally {
            for (EncoderService s : services) {
                s.close();
            }
            for (ExecutorService p : pools) {
                p.shutdownNow();
            }
        }
    }
}
