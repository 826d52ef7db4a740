package org.opensearch.binaryembeddings.bench;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs the ANN benchmark harness ({@code bin/bench --smoke} sizes: 2,000 synthetic docs, 50 queries, a 4-segment pass
 * and a 1-segment pass, a 4 MB kernel scan) so it cannot rot, and checks that its outputs are sane. No timing
 * assertions: only that every point was measured and that recall, sizes and checksums make sense.
 */
@LuceneTestCase.SuppressSysoutChecks(bugUrl = "the harness prints its progress and report tables")
public class AnnBenchSmokeTests extends LuceneTestCase {

    public void testSmokeRun() throws Exception {
        Path tmp = createTempDir("ann-bench");
        AnnBench.Options o = AnnBench.Options.smoke(tmp.resolve("work"), tmp.resolve("out"));
        AnnBench.Report report = AnnBench.run(o);

        List<AnnBench.PointResult> single = report.points().stream().filter(p -> p.segments() == 1).toList();
        assertFalse(single.isEmpty());
        assertTrue("a multi-segment pass ran", report.points().stream().anyMatch(p -> p.segments() > 1));
        for (AnnBench.PointResult p : report.points()) {
            assertTrue(p.toString(), p.qps() > 0);
            assertTrue(p.toString(), p.p50us() > 0 && p.p50us() <= p.p99us());
            assertTrue(p.toString(), p.recall() >= 0 && p.recall() <= 1);
        }
        assertEquals("exact float scan is the ground truth", 1.0, maxRecall(single, AnnBench.EXACT_FLOAT), 0.0);
        assertTrue("ours reaches high recall", maxRecall(single, AnnBench.OURS) > 0.9);
        assertTrue(
            "ours at the default point (oversample 4, num_candidates 100)",
            single.stream().filter(p -> p.contender().equals(AnnBench.OURS) && p.param().equals("oversample 4, num_candidates 100")).findFirst().orElseThrow().recall() > 0.5
        );
        assertTrue(maxRecall(single, AnnBench.FLOAT) > 0.9);
        assertTrue(maxRecall(single, AnnBench.SQ1) > 0.9);
        assertTrue(maxRecall(single, AnnBench.BITS) > 0.9);
        assertTrue(maxRecall(single, AnnBench.EXACT_HAMMING) > 0.9);

        assertTrue("the format-v0 index searches too", maxRecall(single, AnnBench.OURS_V0) > 0.9);

        assertEquals(5, report.builds().size());
        AnnBench.BuildResult ours = build(report, AnnBench.OURS), flt = build(report, AnnBench.FLOAT), v0 = build(report, AnnBench.OURS_V0);
        // version 1 keeps two floats (factor, offset) beside each code in the hot file, version 0 the sign bits alone
        assertEquals(384 / 8 + 8, ours.files().get("BinaryEmbeddingsHnsw.vec") / (double) ours.n(), 1.0);
        assertEquals(384 / 8, v0.files().get("BinaryEmbeddingsHnsw.vec") / (double) v0.n(), 1.0);
        for (AnnBench.BuildResult b : report.builds()) {
            assertTrue(b.toString(), b.hotBytes() > 0 && b.indexSeconds() > 0 && b.totalBytes() > b.hotBytes());
        }
        assertTrue("bits + graph are far smaller than floats + graph", ours.hotBytes() * 8 <= flt.hotBytes());
        assertTrue("our rescoring values are on disk", ours.files().getOrDefault("BinaryEmbeddingsHnsw.brv", 0L) >= 2000L * 384 * 4);
        // the goals table names issue 14's goals, the recall one read from ours' points with oversample ≤ 10
        assertTrue(report.markdown(), report.markdown().matches("(?s).*\\| recall@10 ≥ 0\\.99 with a shortlist ≤ 10 × k \\(ours\\) \\| [01]\\.\\d{3} \\(oversample \\d+, .*"));
        assertTrue(report.markdown(), report.markdown().contains("| QPS @ recall ≥ 0.95 ≥ 1.0× float HNSW |"));

        KernelBench.Result k = report.kernel();
        assertNotNull(k);
        for (long c : k.checksums()) {
            assertEquals("every Hamming kernel computes the same distances", k.checksums()[0], c);
        }
        assertTrue(k.seqRead()[0] > 0 && k.longBitCount()[0] > 0 && k.xorBitCount()[0] > 0);

        String svg = Files.readString(o.out().resolve("bench-ann-recall-qps.svg"));
        assertTrue(svg.startsWith("<svg") && svg.contains(AnnBench.OURS) && svg.trim().endsWith("</svg>"));
        String md = Files.readString(o.out().resolve("ann-results.md"));
        assertTrue(md.contains("### Goals") && md.contains("### Headline"));
    }

    public void testQpsAtRecallInterpolatesOnTheFrontier() {
        List<AnnBench.PointResult> ps = List.of(point(0.90, 4000), point(0.94, 1000) /* dominated */, point(0.96, 1000), point(0.99, 500));
        // between (0.90, 4000) and (0.96, 1000), linear in log QPS: 4000 * (1000 / 4000)^(5/6)
        assertEquals(4000 * Math.pow(0.25, 5.0 / 6), AnnBench.qpsAtRecall(ps, 0.95), 1e-6);
        assertEquals(4000, AnnBench.qpsAtRecall(ps, 0.5), 0.0);
        assertTrue(Double.isNaN(AnnBench.qpsAtRecall(ps, 0.995)));
    }

    private static AnnBench.PointResult point(double recall, double qps) {
        return new AnnBench.PointResult("d", 1, "c", "p", 10, recall, qps, 1, 2);
    }

    private static double maxRecall(List<AnnBench.PointResult> points, String contender) {
        return points.stream().filter(p -> p.contender().equals(contender)).mapToDouble(AnnBench.PointResult::recall).max().orElseThrow();
    }

    private static AnnBench.BuildResult build(AnnBench.Report r, String contender) {
        return r.builds().stream().filter(b -> b.contender().equals(contender)).findFirst().orElseThrow();
    }
}
