package org.opensearch.binaryembeddings.encoder;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testsupport.BenchMain;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Padding of msmarco-5k passages as the pipeline batches them (not a test; {@code bin/bench-encoder --padding} runs
 * it): bulks of 100 documents, cut by the processor into calls of {@code batch_size} (32) texts, each call cut by the
 * scheduler into model runs. Prints real tokens / padded tokens (batch size × longest text) over all runs.
 */
public final class PaddingStudy {

    private PaddingStudy() {}

    public static void main(String[] args) throws Exception {
        BenchMain.run(PaddingStudy::study);
    }

    private static void study() throws Exception {
        NativeLibraries.prepare(null);
        Path dir = TestModels.bundled().resolve(TestModels.BGE);
        ModelManifest manifest;
        try (InputStream in = Files.newInputStream(dir.resolve(ModelManifest.FILE_NAME))) {
            manifest = ModelManifest.parse(TestModels.BGE, in);
        }
        List<long[]> all = new ArrayList<>();
        try (OnnxEncoder encoder = OnnxEncoder.load(manifest, dir, 1)) {
            for (Corpus.Doc d : Corpus.msmarco().docs) {
                all.add(encoder.tokenize(manifest.passagePrefix() + d.content()));
            }
        }
        long sum = 0;
        int max = 0;
        for (long[] t : all) {
            sum += t.length;
            max = Math.max(max, t.length);
        }
        System.out.printf(Locale.ROOT, "msmarco-5k: %d passages, mean %.1f tokens (with special tokens), max %d%n", all.size(), (double) sum / all.size(), max);
        EncoderSettings.Config shipped = EncoderSettings.Config.defaults();
        int[] callSizes = { 32, 100 };
        for (int call : callSizes) {
            for (int[] c : new int[][] { { shipped.maxBatchSize(), shipped.maxBatchTokens() }, { 32, 256 }, { 32, 1024 }, { 1, 1 } }) {
                InferenceScheduler scheduler = new InferenceScheduler(null, shipped.withMaxBatchSize(c[0]).withMaxBatchTokens(c[1]), Runnable::run, Runnable::run);
                long real = 0, padded = 0, runs = 0, texts = 0;
                for (int from = 0; from < all.size(); from += call) {
                    List<long[]> tokens = all.subList(from, Math.min(all.size(), from + call));
                    for (int[] b : scheduler.batches(tokens)) {
                        int len = 0;
                        for (int i : b) {
                            real += tokens.get(i).length;
                            len = Math.max(len, tokens.get(i).length);
                        }
                        padded += (long) len * b.length;
                        runs++;
                        texts += b.length;
                    }
                }
                System.out.printf(Locale.ROOT, "calls of %3d texts, max_batch_size %2d, max_batch_tokens %4d: %5d model runs, %.1f texts/run, real/padded tokens %.3f (%.1f%% padding)%n",
                    call, c[0], c[1], runs, (double) texts / runs, (double) real / padded, 100.0 * (padded - real) / padded);
            }
        }
    }
}
