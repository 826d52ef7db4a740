package org.opensearch.binaryembeddings.e2e;

import org.opensearch.client.ResponseException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One byte flipped in the middle of one of the codec's data files of a closed index in a real node (.brv rescoring
 * values, .vec packed bits, .vex graph; one index each), then the index opened: the shard must fail with the checksum
 * error naming the file, the index turn red and searches fail; nothing may answer from the corrupted data.
 *
 * <p>What a user sees besides: the node log has the CorruptIndexException. The allocation explanation shows it for the
 * first attempt only: OpenSearch's NoOpEngine (used to recover the shard of an index that was closed) does not release
 * the store when its constructor fails, so the retries fail with "failed to obtain in-memory shard lock" until the
 * node restarts. The shard stays red either way.
 */
public class CorruptionIT extends LocalNodesTestCase {

    private static final int DIMS = 64;
    private static final String[] EXTENSIONS = { "brv", "vec", "vex" };

    private static String knn(float[] q) {
        return "{\"query\":{\"binary_knn\":{\"field\":\"e\",\"vector\":" + Arrays.toString(q) + ",\"k\":10}}}";
    }

    @SuppressWarnings("unchecked")
    public void testFlippedByteInACodecFileIsDetectedAndReported() throws Exception {
        LocalNodes nodes = localNodes("corruption");
        LocalNodes.Node node = nodes.start(0, LocalNodes.singleNode());
        node.awaitHealth("green", 1, null);
        Random r = new Random(randomLong());
        float[] q = new float[DIMS];
        for (int j = 0; j < DIMS; j++) q[j] = (float) r.nextGaussian();

        for (String extension : EXTENSIONS) {
            String index = "corrupt-" + extension;
            // one segment, not compound: the codec's files lie in the shard's folder as they are
            node.call("PUT", "/" + index, "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":1,\"number_of_replicas\":0,"
                + "\"index.use_compound_file\":false,\"index.compound_format\":false},"
                + "\"mappings\":{\"properties\":{\"e\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + "}}}}");
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                float[] v = new float[DIMS];
                for (int j = 0; j < DIMS; j++) v[j] = (float) r.nextGaussian();
                bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"e\":").append(Arrays.toString(v)).append("}\n");
            }
            assertEquals(false, node.call("POST", "/" + index + "/_bulk", bulk.toString()).get("errors"));
            node.call("POST", "/" + index + "/_forcemerge?max_num_segments=1&flush=true", null);
            node.call("POST", "/" + index + "/_refresh", null);
            assertEquals(10, hits(node.call("POST", "/" + index + "/_search", knn(q))).size());
        }
        for (String extension : EXTENSIONS) {
            String index = "corrupt-" + extension;
            Map<String, Object> settings = node.call("GET", "/" + index + "/_settings", null);
            String uuid = (String) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) settings.get(index)).get("settings")).get("index")).get("uuid");
            node.call("POST", "/" + index + "/_close", null);
            // a closed index's shard is reopened read-only; let that settle so the open below does not race it for the shard lock
            node.call("GET", "/_cluster/health/" + index + "?wait_for_status=green&timeout=120s", null);
            Path file = codecFile(node.dataPath().resolve("nodes").resolve("0").resolve("indices").resolve(uuid).resolve("0").resolve("index"), extension);
            long size = Files.size(file);
            flipByte(file, size / 2);
            node.call("POST", "/" + index + "/_open?wait_for_active_shards=0", null);

            String name = file.getFileName().toString();
            String logged = awaitLogged(node, "checksum failed", name);
            assertTrue(logged, logged.contains("CorruptIndexException"));
            Map<String, Object> health = node.call("GET", "/_cluster/health/" + index, null);
            assertEquals("red", health.get("status"));
            ResponseException e = expectThrows(ResponseException.class, () -> node.call("POST", "/" + index + "/_search", knn(q)));
            int status = e.getResponse().getStatusLine().getStatusCode();
            assertTrue("search status " + status, status >= 400);
            Map<String, Object> explain = node.call("POST", "/_cluster/allocation/explain",
                "{\"index\":\"" + index + "\",\"shard\":0,\"primary\":true}");
            Object details = explain.get("unassigned_info") == null ? explain.get("current_state")
                : ((Map<String, Object>) explain.get("unassigned_info")).get("details");
            String report = String.format(
                Locale.ROOT,
                "%s: byte %d of %d flipped; node log: %s; index red; search -> HTTP %d; allocation explain: %s",
                name, size / 2, size, logged.trim(), status, details
            );
            logger.info(report);
            System.out.println(report);
        }
    }

    /** The file of the shard's index folder with this extension (exactly one: one segment, one field). */
    private static Path codecFile(Path dir, String extension) throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().endsWith("." + extension)).forEach(found::add);
        }
        assertEquals("." + extension + " files in " + dir + ": " + found, 1, found.size());
        return found.get(0);
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            assertEquals(1, ch.read(b, position));
            b.put(0, (byte) ~b.get(0));
            b.rewind();
            ch.write(b, position);
            ch.force(true);
        }
    }

    /** The first node-log line that has both strings, waiting up to a minute for it. */
    private static String awaitLogged(LocalNodes.Node node, String a, String b) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int polls = 0;
        while (System.nanoTime() < deadline) {
            if (Files.exists(node.logFile())) {
                for (String line : Files.readAllLines(node.logFile(), StandardCharsets.UTF_8)) {
                    if (line.contains(a) && line.contains(b)) {
                        return line.length() > 600 ? line.substring(0, 600) + "…" : line;
                    }
                }
            }
            Thread.sleep(500);
            if (++polls % 10 == 0) {
                // an allocation that failed on a transient shard lock (a slow close on a loaded machine) is not retried
                // once its retries are used up: ask again, as an operator would
                node.call("POST", "/_cluster/reroute?retry_failed=true", null);
            }
        }
        throw new AssertionError("no log line with [" + a + "] and [" + b + "]\n" + node.logTail(80));
    }
}
