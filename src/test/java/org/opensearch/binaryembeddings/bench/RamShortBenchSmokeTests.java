package org.opensearch.binaryembeddings.bench;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs the RAM-short harness's three steps at a tiny size without the cgroup ({@code bin/bench --ram-short} adds the
 * memory limit and the page-cache drop, which need root) so that it cannot rot: every contender measured at every grid
 * point, recall that makes sense, the report's table and ratios. No timing assertions.
 */
@LuceneTestCase.SuppressSysoutChecks(bugUrl = "the harness prints its report table")
public class RamShortBenchSmokeTests extends LuceneTestCase {

    public void testBuildSearchReport() throws Exception {
        Path dir = createTempDir("ram-short");
        RamShortBench.build(dir, 1500);
        assertTrue(Files.exists(dir.resolve("built-1500")));
        for (RamShortBench.Contender c : RamShortBench.Contender.values()) {
            RamShortBench.search(dir, c);
        }
        List<String> points = Files.readAllLines(dir.resolve("points.tsv"));
        int gridPoints = 0;
        for (RamShortBench.Contender c : RamShortBench.Contender.values()) {
            gridPoints += c.grid(new float[1][384]).size();
        }
        assertEquals(gridPoints, points.size());
        for (RamShortBench.Contender c : RamShortBench.Contender.values()) {
            double best = points.stream().map(l -> l.split("\t")).filter(f -> f[0].equals(c.name()))
                .mapToDouble(f -> Double.parseDouble(f[2])).max().orElseThrow();
            assertTrue(c + " reaches high recall on 1,500 vectors: " + best, best > 0.9 && best <= 1.0);
        }
        Path out = dir.resolve("report.md");
        RamShortBench.report(dir, out, 256L << 20, 128, 96);
        String md = Files.readString(out);
        for (RamShortBench.Contender c : RamShortBench.Contender.values()) {
            assertTrue(md.contains("| " + c.label + " | "));
        }
        assertTrue(md, md.contains("at recall@10 0.95") && md.contains("×"));
        // a second build of the same size reuses the indexes
        long modified = Files.getLastModifiedTime(dir.resolve("queries.bin")).toMillis();
        RamShortBench.build(dir, 1500);
        assertEquals(modified, Files.getLastModifiedTime(dir.resolve("queries.bin")).toMillis());
    }
}
