package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.bench.LoadDriver;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CI-length run of {@link LoadDriver} (bin/load runs it for 10 minutes): 45 s of bulk indexing through the
 * pipeline and concurrent binary_knn / binary_hybrid queries against a 2-node cluster, an index of 2 shards and 1
 * replica. No request may fail, no acknowledged document may be missing, and no node's RSS may grow by half (a
 * generous bound against a leak, not a performance check; OpenSearch pre-touches the heap at start, so RSS growth is
 * native memory and mapped index files). The driver runs in a JVM of its own, as bin/load runs it, outside the test sandbox that
 * forbids reading /proc.
 */
public class LoadSmokeIT extends LocalNodesTestCase {

    private static final int SECONDS = 45;

    @SuppressWarnings("unchecked")
    public void testMixedLoadHasNoErrorsAndNoRunawayMemory() throws Exception {
        LocalNodes nodes = localNodes("load-smoke");
        LocalNodes.Node n0 = nodes.launch(0, LocalNodes.clusterOf(2, null));
        LocalNodes.Node n1 = nodes.launch(1, LocalNodes.clusterOf(2, null));
        n0.awaitStarted();
        n1.awaitStarted();
        n0.awaitHealth("green", 2, null);

        Path out = Path.of(System.getProperty("java.io.tmpdir"), "load-smoke").toAbsolutePath();
        Path log = Files.createDirectories(out).resolve("driver.out");
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-Dbe.shared.dir=" + System.getProperty("be.shared.dir"),
            "-cp",
            System.getProperty("java.class.path"),
            LoadDriver.class.getName(),
            "--urls=http://127.0.0.1:" + n0.httpPort() + ",http://127.0.0.1:" + n1.httpPort(),
            "--seconds=" + SECONDS,
            "--out=" + out,
            "--bulk-size=20",
            "--bulk-clients=1",
            "--query-clients=2"
        ));
        Process driver = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
        try {
            assertTrue("driver still running after " + (SECONDS + 600) + " s", driver.waitFor(SECONDS + 600, TimeUnit.SECONDS));
        } finally {
            driver.destroyForcibly();
        }
        String console = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals("driver failed:\n" + console, 0, driver.exitValue());
        String table = Files.readString(out.resolve("load-results.md"), StandardCharsets.UTF_8);
        logger.info("\n{}", table);
        System.out.println(table);
        Map<String, Object> r = XContentHelper.convertToMap(JsonXContent.jsonXContent, Files.readString(out.resolve("load-results.json")), false);

        assertEquals("errors (see the table)\n" + table, 0, ((Number) r.get("errors")).intValue());
        Map<String, Map<String, Object>> kinds = (Map<String, Map<String, Object>>) r.get("kinds");
        for (String kind : new String[] { "bulk", "binary_knn", "binary_hybrid" }) {
            assertTrue(kind + " ran\n" + table, ((Number) kinds.get(kind).get("requests")).intValue() >= 3);
        }
        assertEquals("every acknowledged document is in the index\n" + table, ((Number) r.get("acknowledged")).longValue(), ((Number) r.get("found")).longValue());
        Map<String, Map<String, Object>> perNode = (Map<String, Map<String, Object>>) r.get("nodes");
        assertEquals(2, perNode.size());
        for (Map.Entry<String, Map<String, Object>> e : perNode.entrySet()) {
            double growth = ((Number) e.getValue().get("rss_growth")).doubleValue();
            assertTrue(e.getKey() + " RSS grew by " + Math.round(100 * growth) + "%\n" + table, growth < 0.5);
        }
    }
}
