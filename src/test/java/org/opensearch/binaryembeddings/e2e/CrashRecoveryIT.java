package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testdata.Rankings.Hit;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.Json;
import org.opensearch.client.Request;
import org.opensearch.client.RestClient;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * SIGKILL of a real node while a bulk request runs through the local_embedding pipeline, then a restart on the same
 * data: every acknowledged document is there, with the vector a fresh encoding gives bit for bit, and searches answer
 * as on an index that never crashed: the same ids, the same scores (to the rounding of SIMD float sums).
 *
 * <p>The reference is a clean index on the restarted node fed the very same bulk requests (the encoder batches per
 * request and an int8 model's output shifts slightly with its batch companions, so only the same batches give the same
 * vectors). Documents of the bulk that was in flight may or may not exist after the crash (each is either there,
 * with its exact vector, or not); the clean index gets exactly those that survived, encoded in their own batch.
 */
public class CrashRecoveryIT extends LocalNodesTestCase {

    private static final int BULK_SIZE = 10;
    private static final int QUERIES = 20;

    /** Sends bulks one after another until one fails, remembering what was acknowledged. */
    private static final class Sender extends Thread {
        final RestClient client;
        final List<String> bodies;
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final List<String> itemFailures = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile int current = -1;
        volatile long shortestBulkNanos = Long.MAX_VALUE;
        volatile long sentAtNanos; // 0 while no request is outstanding
        volatile int interrupted = -1;
        volatile Exception failure;

        Sender(RestClient client, List<String> bodies) {
            super("crash-recovery-bulk-sender");
            this.client = client;
            this.bodies = bodies;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void run() {
            for (int b = 0; b < bodies.size(); b++) {
                current = b;
                sentAtNanos = System.nanoTime();
                try {
                    Request request = new Request("POST", "/crashed/_bulk?pipeline=embed");
                    request.setJsonEntity(bodies.get(b));
                    Map<String, Object> r;
                    try (InputStream in = client.performRequest(request).getEntity().getContent()) {
                        r = XContentHelper.convertToMap(JsonXContent.jsonXContent, in, false);
                    }
                    shortestBulkNanos = Math.min(shortestBulkNanos, System.nanoTime() - sentAtNanos);
                    sentAtNanos = 0;
                    for (Map<String, Object> item : (List<Map<String, Object>>) r.get("items")) {
                        Map<String, Object> index = (Map<String, Object>) item.get("index");
                        if (Integer.valueOf(201).equals(index.get("status"))) {
                            acknowledged.add((String) index.get("_id"));
                        } else {
                            itemFailures.add(index.toString());
                        }
                    }
                } catch (Exception e) {
                    interrupted = b;
                    failure = e;
                    return;
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<Object>> vectors(LocalNodes.Node node, String index) throws Exception {
        node.call("POST", "/" + index + "/_refresh", null);
        Map<String, Object> r = node.call("POST", "/" + index + "/_search", "{\"size\":10000,\"_source\":[\"embedding\"],\"query\":{\"match_all\":{}}}");
        Map<String, List<Object>> out = new HashMap<>();
        for (Map<String, Object> hit : (List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits")) {
            out.put((String) hit.get("_id"), (List<Object>) ((Map<String, Object>) hit.get("_source")).get("embedding"));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void bulk(LocalNodes.Node node, String index, String body) throws Exception {
        Map<String, Object> r = node.call("POST", "/" + index + "/_bulk?pipeline=embed", body);
        assertEquals("bulk into " + index + ": " + r, false, r.get("errors"));
    }

    public void testSigkillDuringBulkLosesNoAcknowledgedDocument() throws Exception {
        // the project's passages and sentence pairs of them (the most bulks a run sends: 39 of BULK_SIZE)
        Corpus data = Corpus.sample().extendedTo(39 * BULK_SIZE);
        LocalNodes nodes = localNodes("crash-recovery");
        LocalNodes.Node node = nodes.start(0, LocalNodes.singleNode());
        node.awaitHealth("green", 1, null);
        node.awaitModel();
        node.call("PUT", "/_ingest/pipeline/embed", PIPELINE);
        for (String index : new String[] { "crashed", "clean", "inflight-replay" }) {
            node.call("PUT", "/" + index, passagesIndex(1, 0, null));
        }

        // a kill while bulk >= killAt has been in flight for a random share of a bulk's time: somewhere in encoding,
        // indexing or the translog. A share, not a fixed delay: a fixed 600 ms outlasts a whole bulk on a quiet machine,
        // and then no bulk is ever in flight that long and nothing is killed
        int killAt = randomIntBetween(12, 24);
        double delayShare = randomDoubleBetween(0.02, 0.8, true);
        List<String> bodies = new ArrayList<>();
        List<List<String>> idsOfBulk = new ArrayList<>();
        for (int b = 0; b < killAt + 15; b++) {
            bodies.add(data.bulkBody(b * BULK_SIZE, (b + 1) * BULK_SIZE, i -> ""));
            List<String> ids = new ArrayList<>();
            for (int i = b * BULK_SIZE; i < (b + 1) * BULK_SIZE; i++) {
                ids.add(data.docs.get(i).id());
            }
            idsOfBulk.add(ids);
        }
        Sender sender = new Sender(node.client(), bodies);
        sender.start();
        long inFlightMillis = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline && sender.isAlive()) {
            long sentAt = sender.sentAtNanos;
            if (sender.current >= killAt && sentAt != 0 && System.nanoTime() - sentAt >= delayShare * sender.shortestBulkNanos) {
                node.kill();
                inFlightMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
                break;
            }
            Thread.sleep(5);
        }
        sender.join(TimeUnit.MINUTES.toMillis(2));
        assertFalse("sender still running", sender.isAlive());
        assertTrue("the node was not killed (sender: current " + sender.current + ", failure " + sender.failure + ")", inFlightMillis >= 0);
        assertTrue("no bulk was interrupted by the kill", sender.interrupted >= killAt);
        assertEquals("item failures before the kill", List.of(), sender.itemFailures);
        int inFlight = sender.interrupted;

        node = nodes.start(0, LocalNodes.singleNode());
        node.awaitHealth("green", 1, "crashed");
        node.awaitModel();

        Map<String, List<Object>> crashed = vectors(node, "crashed");
        Set<String> acknowledged = new HashSet<>(sender.acknowledged);
        Set<String> inFlightIds = new HashSet<>(idsOfBulk.get(inFlight));
        Set<String> lost = new HashSet<>(acknowledged);
        lost.removeAll(crashed.keySet());
        Set<String> inFlightFound = new HashSet<>(inFlightIds);
        inFlightFound.retainAll(crashed.keySet());
        Set<String> unexpected = new HashSet<>(crashed.keySet());
        unexpected.removeAll(acknowledged);
        unexpected.removeAll(inFlightIds);
        String counts = String.format(
            Locale.ROOT,
            "SIGKILL during bulk %d (in flight %d ms): acknowledged %d, found %d, lost %d; in flight %d, found after restart %d",
            inFlight,
            inFlightMillis,
            acknowledged.size(),
            acknowledged.size() - lost.size(),
            lost.size(),
            inFlightIds.size(),
            inFlightFound.size()
        );
        logger.info(counts);
        System.out.println(counts);
        assertEquals("acknowledged bulks before the interrupted one", inFlight * BULK_SIZE, acknowledged.size());
        assertEquals("acknowledged documents lost: " + lost, Set.of(), lost);
        assertEquals("documents that were never sent", Set.of(), unexpected);

        // the reference: the same requests into a clean index; the in-flight bulk's survivors encoded in their batch
        for (int b = 0; b < inFlight; b++) {
            bulk(node, "clean", bodies.get(b));
        }
        if (inFlightFound.isEmpty() == false) {
            bulk(node, "inflight-replay", bodies.get(inFlight));
            StringBuilder ids = new StringBuilder();
            for (String id : inFlightFound) {
                ids.append(ids.length() == 0 ? "" : ",").append(Json.string(id));
            }
            node.call("POST", "/inflight-replay/_refresh", null);
            Map<String, Object> r = node.call(
                "POST",
                "/_reindex?refresh=true",
                "{\"source\":{\"index\":\"inflight-replay\",\"query\":{\"ids\":{\"values\":[" + ids + "]}}},\"dest\":{\"index\":\"clean\"}}"
            );
            assertEquals(r.toString(), inFlightFound.size(), ((Number) r.get("created")).intValue());
        }
        Map<String, List<Object>> clean = vectors(node, "clean");
        assertEquals("clean index holds the same documents", crashed.keySet(), clean.keySet());
        int identical = 0;
        for (Map.Entry<String, List<Object>> e : crashed.entrySet()) {
            List<Object> v = e.getValue();
            assertEquals("vector of " + e.getKey() + " has 384 values", 384, v.size());
            // each value as JSON printed the stored float: equal numbers are the same float, bit for bit
            assertEquals("vector of " + e.getKey() + " differs from a fresh encoding of the same bulk", clean.get(e.getKey()), v);
            identical++;
        }

        // searches: the exact path (num_candidates above the doc count) must give identical ids and scores
        List<Corpus.Query> queries = data.queries.subList(0, QUERIES);
        for (Corpus.Query q : queries) {
            assertSameRanking("binary_knn [" + q.text() + "]", hits(node.call("POST", "/clean/_search", knn(q.text(), 10000))),
                hits(node.call("POST", "/crashed/_search", knn(q.text(), 10000))));
            assertSameRanking("binary_hybrid [" + q.text() + "]", hits(node.call("POST", "/clean/_search", hybrid(q.text(), 10000))),
                hits(node.call("POST", "/crashed/_search", hybrid(q.text(), 10000))));
        }
        // defaults (graph search) on one segment each: the graphs may differ in insertion order, the scores may not
        node.call("POST", "/crashed,clean/_forcemerge?max_num_segments=1", null);
        node.call("POST", "/crashed,clean/_refresh", null);
        double overlap = 0;
        for (Corpus.Query q : queries) {
            List<Hit> a = hits(node.call("POST", "/clean/_search", knn(q.text(), null)));
            List<Hit> b = hits(node.call("POST", "/crashed/_search", knn(q.text(), null)));
            assertEquals(10, b.size());
            Map<String, Double> scoreInClean = new HashMap<>();
            a.forEach(h -> scoreInClean.put(h.id(), h.score()));
            int common = 0;
            for (Hit h : b) {
                if (scoreInClean.containsKey(h.id())) {
                    assertEquals("score of " + h.id() + " for [" + q.text() + "]", scoreInClean.get(h.id()), h.score(), scoreTolerance(h.score()));
                    common++;
                }
            }
            overlap += common / 10.0;
        }
        overlap /= queries.size();
        String summary = String.format(
            Locale.ROOT,
            "after restart: %d documents with vectors identical to a fresh encoding; %d queries x (binary_knn, binary_hybrid) "
                + "exact path: same ids, same scores (to float rounding); defaults after force merge: overlap@10 %.3f",
            identical,
            queries.size(),
            overlap
        );
        logger.info(summary);
        System.out.println(summary);
        assertTrue("overlap@10 with defaults " + overlap, overlap >= 0.9);
    }
}
