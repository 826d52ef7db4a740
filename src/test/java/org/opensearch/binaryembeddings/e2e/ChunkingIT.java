package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.WarningsHandler;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Long documents on a real node: {@code local_embedding} with {@code chunking} into a {@code nested} field, and
 * {@code binary_knn} inside a {@code nested} query counting parent documents. The long document is built from the
 * project's own passages: about 5,000 words of passages of nine topics, with the only passage about Stradivarius
 * violins placed after the first 3,500 words (so after token 3,500: every word is at least one token).
 */
public class ChunkingIT extends RealNodeTestCase {

    private static final String BGE = "bge-small-en-v1.5-q";
    /** The music block of the sample corpus (s121–s135): kept out of every document but the one passage. */
    private static final int MUSIC_FROM = 120, MUSIC_TO = 135;
    private static final int STRADIVARIUS = 133; // s134
    private static final String QUERY = "Which violin maker worked in Cremona and how many of his instruments survive?";

    /** Passages of the eight other topics, in corpus order, cycled from {@code from} until {@code words} words. */
    private static String filler(int words, int from) {
        List<Corpus.Doc> docs = Corpus.sample().docs;
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (int i = from; n < words; i++) {
            int d = i % docs.size();
            if (d >= MUSIC_FROM && d < MUSIC_TO) {
                continue;
            }
            String c = docs.get(d).content();
            sb.append(c).append("\n\n");
            n += c.split("\\s+").length;
        }
        return sb.toString();
    }

    /** About 5,000 words; the Stradivarius passage starts after 3,500 words of other topics. */
    static String longDocument() {
        return filler(3500, 0) + Corpus.sample().docs.get(STRADIVARIUS).content() + "\n\n" + filler(1450, 60);
    }

    private static void pipeline(String name, String chunking) throws IOException {
        call("PUT", "/_ingest/pipeline/" + name, """
            {"processors": [{"local_embedding": {"field_map": {"body": "%s"}, "skip_existing": true%s}}]}"""
            .formatted(chunking == null ? "body_vec" : "chunks", chunking == null ? "" : ", \"chunking\": " + chunking));
    }

    private static void chunkedIndex(String index, String pipeline, int shards) throws IOException {
        // numbers go in with %s: %d writes the digits of the test's random locale (ar-KW: Arabic-Indic), not JSON
        call("PUT", "/" + index, """
            { "settings": { "index.binary_embeddings": true, "default_pipeline": "%s", "number_of_shards": %s, "number_of_replicas": 0 },
              "mappings": { "properties": { "body": { "type": "text" }, "category": { "type": "keyword" }, "rank": { "type": "integer" },
                "chunks": { "type": "nested", "properties": {
                  "text": { "type": "text" }, "start": { "type": "integer" }, "end": { "type": "integer" },
                  "embedding": { "type": "binary_embedding", "dims": 384, "model": "%s" } } } } } }""".formatted(pipeline, shards, BGE));
    }

    /** The sample's passages but the music block, as documents {@code s001}…, plus the long document {@code long}. */
    private static void load(String index) throws IOException {
        StringBuilder bulk = new StringBuilder();
        List<Corpus.Doc> docs = Corpus.sample().docs;
        for (int i = 0; i < docs.size(); i++) {
            if (i >= MUSIC_FROM && i < MUSIC_TO) {
                continue;
            }
            bulk.append("{\"index\": {\"_id\": \"").append(docs.get(i).id()).append("\"}}\n");
            bulk.append(json(Map.of("body", docs.get(i).content(), "category", "topic" + (i / 15), "rank", i))).append('\n');
        }
        bulk.append("{\"index\": {\"_id\": \"long\"}}\n").append(json(Map.of("body", longDocument(), "category", "long", "rank", 1000))).append('\n');
        Request r = new Request("POST", "/" + index + "/_bulk?refresh=true");
        r.setJsonEntity(bulk.toString());
        Map<String, Object> response = entityAsMap(client().performRequest(r));
        assertEquals("bulk errors: " + response, false, response.get("errors"));
    }

    static String json(Map<String, Object> source) throws IOException {
        try (XContentBuilder b = JsonXContent.contentBuilder()) {
            b.map(source);
            return b.toString();
        }
    }

    /** binary_knn on the chunks inside a nested query (score_mode max: a parent scores its best chunk). */
    private static String nestedKnn(int k, String extra, String filter) {
        return """
            {"nested": {"path": "chunks", "score_mode": "max", "query": {"binary_knn": {"field": "chunks.embedding", "query_text": "%s", "k": %s%s%s}}%s}}"""
            .formatted(QUERY, k, filter == null ? "" : ", \"filter\": " + filter, "", extra);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> hits(Map<String, Object> response) {
        return (List<Map<String, Object>>) ((Map<String, Object>) response.get("hits")).get("hits");
    }

    private static List<String> ids(Map<String, Object> response) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> h : hits(response)) {
            out.add((String) h.get("_id"));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> modelStats() throws IOException {
        Map<String, Object> nodes = (Map<String, Object>) call("GET", "/_plugins/_binary_embeddings/stats", null).get("nodes");
        Map<String, Object> node = (Map<String, Object>) nodes.values().iterator().next();
        return (Map<String, Object>) ((Map<String, Object>) node.get("models")).get(BGE);
    }

    static long texts() throws IOException {
        return ((Number) modelStats().get("texts")).longValue();
    }

    static long tokens() throws IOException {
        return ((Number) modelStats().get("tokens")).longValue();
    }

    @SuppressWarnings("unchecked")
    static void awaitModel() throws Exception {
        assertBusy(() -> assertEquals("loaded", modelStats().get("status")), 2, TimeUnit.MINUTES);
    }

    private static void update(String index, String id, String doc) throws IOException {
        Request r = new Request("POST", "/" + index + "/_update/" + id + "?refresh=true");
        r.setJsonEntity("{\"doc\": " + doc + "}");
        RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
        options.setWarningsHandler(WarningsHandler.PERMISSIVE); // 3.8 warns about pipelines on updates, and runs them
        r.setOptions(options);
        client().performRequest(r);
    }

    @SuppressWarnings("unchecked")
    public void testLongDocumentIsFoundByAPassageAfterToken3000OnlyWithChunking() throws Exception {
        awaitModel();
        String text = longDocument();
        int words = text.split("\\s+").length;
        assertTrue("words: " + words, words >= 4900 && words <= 5200);
        int passageAt = text.indexOf("Stradivarius instruments");
        assertEquals("the topic appears once", passageAt, text.indexOf("Stradivari"));
        assertEquals(passageAt + 33, text.lastIndexOf("Stradivari"));
        for (String word : List.of("violin", "Cremona")) { // only in the passage
            assertTrue(text.indexOf(word) > passageAt && text.lastIndexOf(word) < passageAt + 300);
        }
        assertTrue(text.substring(0, passageAt).split("\\s+").length >= 3500);

        pipeline("chunk-256", "{\"max_tokens\": 256, \"overlap_tokens\": 32}");
        chunkedIndex("chunked", "chunk-256", 1);
        load("chunked");

        // without chunking: one vector per document, the long one made from its first 512 tokens
        pipeline("whole", null);
        call("PUT", "/plain", """
            { "settings": { "index.binary_embeddings": true, "default_pipeline": "whole", "number_of_replicas": 0 },
              "mappings": { "properties": { "body": { "type": "text" }, "category": { "type": "keyword" }, "rank": { "type": "integer" },
                "body_vec": { "type": "binary_embedding", "dims": 384, "model": "%s" } } } }""".formatted(BGE));
        load("plain");
        Map<String, Object> plain = call("POST", "/plain/_search", """
            {"size": 10, "_source": false, "query": {"binary_knn": {"field": "body_vec", "query_text": "%s", "k": 10}}}""".formatted(QUERY));
        assertFalse("without chunking the long document is found: " + ids(plain), ids(plain).contains("long"));

        // with chunking: the top hit, by the chunk holding the passage (inner_hits shows it with its offsets)
        Map<String, Object> chunked = call("POST", "/chunked/_search", """
            {"size": 10, "_source": ["category"], "query": %s}""".formatted(
            nestedKnn(10, ", \"inner_hits\": {\"size\": 2, \"_source\": [\"chunks.text\", \"chunks.start\", \"chunks.end\"]}", null)));
        List<Map<String, Object>> hits = hits(chunked);
        assertEquals("long", hits.get(0).get("_id"));
        Map<String, Object> inner = (Map<String, Object>) ((Map<String, Object>) hits.get(0).get("inner_hits")).get("chunks");
        Map<String, Object> best = hits((Map<String, Object>) inner).get(0);
        Map<String, Object> chunk = (Map<String, Object>) best.get("_source");
        int start = (Integer) chunk.get("start"), end = (Integer) chunk.get("end");
        assertTrue(chunk.toString(), start <= passageAt && end > passageAt);
        assertEquals(text.substring(start, end), chunk.get("text"));
        assertEquals(((Number) hits.get(0).get("_score")).doubleValue(), ((Number) best.get("_score")).doubleValue(), 1e-6);
        // k counts parents: 10 distinct documents, not 10 chunks
        assertEquals(10, hits.size());
        assertEquals(10, new HashSet<>(ids(chunked)).size());
        assertEquals(10, ((Number) ((Map<String, Object>) ((Map<String, Object>) chunked.get("hits")).get("total")).get("value")).intValue());
    }

    @SuppressWarnings("unchecked")
    public void testParentsFiltersPaginationExplainUpdatesAndReindex() throws Exception {
        awaitModel();
        pipeline("chunk-128", "{\"max_tokens\": 128, \"overlap_tokens\": 16}");
        chunkedIndex("docs", "chunk-128", 1);
        load("docs");
        String longBody = longDocument();
        Map<String, Object> source = (Map<String, Object>) call("GET", "/docs/_doc/long", null).get("_source");
        List<Map<String, Object>> chunks = (List<Map<String, Object>>) source.get("chunks");
        assertTrue("chunks: " + chunks.size(), chunks.size() >= 50 && chunks.size() <= 100);

        // a query about a topic the long document repeats in many chunks: k = 3 still gives 3 parents
        String cooking = """
            {"nested": {"path": "chunks", "score_mode": "max", "query": {"binary_knn": {"field": "chunks.embedding",
              "query_text": "why does searing meat brown it", "k": 3}}, "inner_hits": {"size": 3, "_source": false}}}""";
        Map<String, Object> r = call("POST", "/docs/_search", "{\"size\": 10, \"query\": " + cooking + "}");
        List<String> top3 = ids(r);
        assertEquals(3, top3.size());
        assertEquals(3, new HashSet<>(top3).size());
        // chunks_per_parent: each parent's inner hits hold its best chunks (the long document has several on cooking)
        String twoChunks = cooking.replace("\"k\": 3}", "\"k\": 3, \"chunks_per_parent\": 2}");
        Map<String, Object> r2 = call("POST", "/docs/_search", "{\"size\": 10, \"query\": " + twoChunks + "}");
        assertEquals(top3, ids(r2)); // score_mode max: same parents, same order
        for (Map<String, Object> h : hits(r2)) {
            Map<String, Object> inner = (Map<String, Object>) ((Map<String, Object>) h.get("inner_hits")).get("chunks");
            int n = hits(inner).size();
            assertEquals(h.get("_id").equals("long") ? 2 : 1, n);
        }
        assertTrue("the long document repeats cooking passages: " + top3, top3.contains("long"));
        // score_mode avg: a parent scores the mean of its kept chunks (the mean of its top 2 for the long document)
        Map<String, Object> mean = call("POST", "/docs/_search", "{\"size\": 10, \"query\": " + twoChunks.replace("\"max\"", "\"avg\"") + "}");
        for (Map<String, Object> h : hits(mean)) {
            Map<String, Object> inner = (Map<String, Object>) ((Map<String, Object>) h.get("inner_hits")).get("chunks");
            double sum = 0;
            for (Map<String, Object> c : hits(inner)) {
                sum += ((Number) c.get("_score")).doubleValue();
            }
            assertEquals(h.get("_id").toString(), sum / hits(inner).size(), ((Number) h.get("_score")).doubleValue(), 1e-5);
        }

        // pagination over the k parents
        Map<String, Object> all5 = call("POST", "/docs/_search", "{\"size\": 5, \"_source\": false, \"query\": " + nestedKnn(5, "", null) + "}");
        Map<String, Object> page = call("POST", "/docs/_search", "{\"from\": 1, \"size\": 2, \"_source\": false, \"query\": " + nestedKnn(5, "", null) + "}");
        assertEquals(ids(all5).subList(1, 3), ids(page));

        // the filter selects parents, and shapes the chunk search: k parents of that category, or of the others
        Map<String, Object> onlyLong = call("POST", "/docs/_search", "{\"size\": 10, \"_source\": false, \"query\": "
            + nestedKnn(5, "", "{\"term\": {\"category\": \"long\"}}") + "}");
        assertEquals(List.of("long"), ids(onlyLong));
        Map<String, Object> notLong = call("POST", "/docs/_search", "{\"size\": 10, \"_source\": false, \"query\": "
            + nestedKnn(5, "", "{\"bool\": {\"must_not\": {\"term\": {\"category\": \"long\"}}}}") + "}");
        assertEquals(5, ids(notLong).size());
        assertFalse(ids(notLong).contains("long"));
        // aggregations over the parents found
        Map<String, Object> aggs = call("POST", "/docs/_search", "{\"size\": 0, \"query\": " + nestedKnn(5, "", null)
            + ", \"aggs\": {\"cats\": {\"terms\": {\"field\": \"category\"}}}}");
        List<Map<String, Object>> buckets = (List<Map<String, Object>>) ((Map<String, Object>) ((Map<String, Object>) aggs.get("aggregations")).get("cats")).get("buckets");
        assertEquals(5, buckets.stream().mapToInt(b -> ((Number) b.get("doc_count")).intValue()).sum());

        // explain: the parent's score comes from its best chunk, ranked among parents
        Map<String, Object> explained = call("POST", "/docs/_search", "{\"size\": 1, \"explain\": true, \"_source\": false, \"query\": "
            + nestedKnn(5, "", null) + "}");
        String explanation = hits(explained).get(0).get("_explanation").toString();
        assertTrue(explanation, explanation.contains("parents ranked by their best chunk on [chunks.embedding]"));
        assertTrue(explanation, explanation.contains("hamming similarity"));

        // updates: another field reuses the chunks (no inference); a new text is chunked and embedded again
        long before = texts();
        update("docs", "long", "{\"category\": \"long\", \"rank\": 7}");
        assertEquals(before, texts());
        Map<String, Object> after = (Map<String, Object>) call("GET", "/docs/_doc/long", null).get("_source");
        assertEquals(chunks, after.get("chunks"));
        String newBody = "Antonio Stradivari's workshop in Cremona. " + longBody.substring(0, 2000);
        update("docs", "long", json(Map.of("body", newBody)));
        List<Map<String, Object>> rechunked = (List<Map<String, Object>>) ((Map<String, Object>) call("GET", "/docs/_doc/long", null).get("_source")).get("chunks");
        assertEquals(before + rechunked.size(), texts());
        assertTrue(rechunked.size() < chunks.size());
        for (Map<String, Object> c : rechunked) {
            assertEquals(newBody.substring((Integer) c.get("start"), (Integer) c.get("end")), c.get("text"));
        }

        // reindex into an index with the same pipeline: the chunks travel in _source, nothing is embedded again
        chunkedIndex("docs2", "chunk-128", 1);
        long beforeReindex = texts();
        call("POST", "/_reindex?refresh=true", "{\"source\": {\"index\": \"docs\"}, \"dest\": {\"index\": \"docs2\"}}");
        assertEquals(beforeReindex, texts());
        Map<String, Object> q1 = call("POST", "/docs/_search", "{\"size\": 5, \"_source\": false, \"query\": " + nestedKnn(5, "", null) + "}");
        Map<String, Object> q2 = call("POST", "/docs2/_search", "{\"size\": 5, \"_source\": false, \"query\": " + nestedKnn(5, "", null) + "}");
        assertEquals(ids(q1), ids(q2));
    }

    /**
     * Chunking's inference cost, from the stats counters: 20 long documents (about 1,000 to 4,800 words) chunked with
     * 256-token windows, once without overlap (every token of the text read once: the text's tokens, T) and once with 32
     * tokens of overlap. The content tokens read with overlap (tokens minus the 2 special tokens of each chunk) are at
     * most (1 + 32 / (256 − 32)) × T: each window advances by at least max_tokens − overlap_tokens tokens but the last.
     */
    public void testChunkingCostsAtMostTheTextPlusTheOverlapShare() throws Exception {
        awaitModel();
        StringBuilder bulk = new StringBuilder();
        int words = 0;
        for (int j = 0; j < 20; j++) {
            String body = filler(1000 + 200 * j, 7 * j);
            words += body.split("\\s+").length;
            bulk.append("{\"index\": {\"_id\": \"d").append(j).append("\"}}\n").append(json(Map.of("body", body))).append('\n');
        }
        long[] none = costOf("cost-0", "{\"max_tokens\": 256, \"overlap_tokens\": 0}", bulk.toString());
        long[] overlap = costOf("cost-32", "{\"max_tokens\": 256, \"overlap_tokens\": 32}", bulk.toString());
        long textTokens = none[1] - 2 * none[0];
        long overlapContent = overlap[1] - 2 * overlap[0];
        double bound = (1 + 32.0 / (256 - 32)) * textTokens;
        logger.info(
            "chunking cost: {} words, {} text tokens; overlap 0: {} chunks, {} tokens read; overlap 32: {} chunks, {} tokens read "
                + "({} content tokens, {} x the text; bound {} x)",
            words, textTokens, none[0], none[1], overlap[0], overlap[1], overlapContent,
            String.format(java.util.Locale.ROOT, "%.4f", overlapContent / (double) textTokens),
            String.format(java.util.Locale.ROOT, "%.4f", bound / textTokens)
        );
        assertTrue(overlapContent + " content tokens with overlap, bound " + bound, overlapContent <= bound);
        assertTrue(overlapContent > textTokens);
        assertTrue(overlap[0] > none[0]);
        // without overlap, windows of 256 tokens: about T / 256 of them (a few more where a window ends before a word)
        assertTrue(none[0] >= textTokens / 256 && none[0] <= textTokens / 192 + 20);
    }

    /** Chunks embedded and tokens read for indexing {@code bulk} through a chunking pipeline. */
    private static long[] costOf(String pipeline, String chunking, String bulk) throws IOException {
        pipeline(pipeline, chunking);
        chunkedIndex(pipeline, pipeline, 1);
        long texts = texts(), tokens = tokens();
        Request r = new Request("POST", "/" + pipeline + "/_bulk?refresh=true");
        r.setJsonEntity(bulk);
        Map<String, Object> response = entityAsMap(client().performRequest(r));
        assertEquals("bulk errors: " + response, false, response.get("errors"));
        return new long[] { texts() - texts, tokens() - tokens };
    }

    /** The same parents, in the same order, whatever the number of shards: binary_knn in nested, and binary_hybrid. */
    public void testShardCountInvariance() throws Exception {
        awaitModel();
        pipeline("chunk-inv", "{\"max_tokens\": 128, \"overlap_tokens\": 16}");
        chunkedIndex("one", "chunk-inv", 1);
        load("one");
        chunkedIndex("three", "chunk-inv", 3);
        load("three");
        for (String q : List.of(QUERY, "why does searing meat brown it", "how long is a marathon")) {
            String body = "{\"size\": 10, \"_source\": false, \"query\": " + nestedKnn(10, "", null).replace(QUERY, q) + "}";
            Map<String, Object> a = call("POST", "/one/_search", body);
            Map<String, Object> b = call("POST", "/three/_search", body);
            assertEquals(q, ids(a), ids(b));
            // binary_hybrid: BM25 on the parents' body, the vector on their chunks, fused per parent
            String hybrid = """
                {"size": 10, "_source": false, "query": {"binary_hybrid": {"keyword": {"match": {"body": "%s"}},
                  "vector": {"field": "chunks.embedding", "query_text": "%s", "k": 10}}}}""".formatted(q, q);
            Map<String, Object> ha = call("POST", "/one/_search", hybrid);
            Map<String, Object> hb = call("POST", "/three/_search", hybrid);
            assertEquals(q, ids(ha), ids(hb));
            assertEquals(10, new HashSet<>(ids(ha)).size());
            if (q.equals(QUERY)) {
                assertEquals("long", ids(ha).get(0));
            }
        }
        // the fused parts: the long document has a vector score from its best chunk and a keyword score from its body
        Map<String, Object> explained = call("POST", "/three/_search", """
            {"size": 1, "explain": true, "_source": false, "query": {"binary_hybrid": {"keyword": {"match": {"body": "Stradivari violins Cremona"}},
              "vector": {"field": "chunks.embedding", "query_text": "%s"}}}}""".formatted(QUERY));
        assertEquals("long", ids(explained).get(0));
        String why = hits(explained).get(0).get("_explanation").toString();
        assertTrue(why, why.contains("vector part: vector score (full precision)") && why.contains("keyword part: keyword score"));
        // keyword candidates the vector list missed get their vector score from their chunks too (the exact pass on parents)
        Map<String, Object> wide = call("POST", "/three/_search", """
            {"size": 200, "explain": true, "_source": false, "query": {"binary_hybrid": {"keyword": {"match": {"body": "the"}},
              "vector": {"field": "chunks.embedding", "query_text": "%s", "k": 5}, "window": 20}}}""".formatted(QUERY));
        assertTrue(hits(wide).size() >= 20);
        for (Map<String, Object> h : hits(wide)) {
            String e = h.get("_explanation").toString();
            assertFalse(h.get("_id") + ": " + e, e.contains("no vector for this document"));
        }
    }

    /**
     * Two levels of nesting (documents → sections → chunks), vectors sent by the client: inside a nested query on the
     * chunks, the parents are what the enclosing nested query says — top-level documents when the nested query on
     * {@code sections.chunks} is the outer one, sections when it sits inside a nested query on {@code sections} — and
     * {@code filter} names those parents' fields. Expected rankings are computed here by exact cosine (the tiny index is
     * scanned exactly).
     */
    @SuppressWarnings("unchecked")
    public void testTwoLevelsOfNesting() throws Exception {
        call("PUT", "/two-levels", """
            { "settings": { "index.binary_embeddings": true, "number_of_shards": 1, "number_of_replicas": 0 },
              "mappings": { "properties": { "group": { "type": "keyword" },
                "sections": { "type": "nested", "properties": { "title": { "type": "keyword" },
                  "chunks": { "type": "nested", "properties": { "vec": { "type": "binary_embedding", "dims": 16 } } } } } } } }""");
        java.util.Random random = new java.util.Random(17);
        double[] q = gaussian(random);
        // best chunk cosine per document, per (document, section)
        Map<String, Double> bestOfDoc = new java.util.HashMap<>(), bestOfDocInGroupB = new java.util.HashMap<>();
        Map<String, Double> bestOfS1Section = new java.util.HashMap<>(); // "doc/section" → best chunk among sections titled s1
        StringBuilder bulk = new StringBuilder();
        for (int d = 0; d < 6; d++) {
            String id = "d" + d, group = d < 3 ? "a" : "b";
            List<Map<String, Object>> sections = new ArrayList<>();
            for (int sct = 0; sct < 2; sct++) {
                List<Map<String, Object>> chunks = new ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    double[] v = gaussian(random);
                    double cos = cosine(q, v);
                    bestOfDoc.merge(id, cos, Math::max);
                    if (group.equals("b")) {
                        bestOfDocInGroupB.merge(id, cos, Math::max);
                    }
                    if (sct == 1) {
                        bestOfS1Section.merge(id + "/" + sct, cos, Math::max);
                    }
                    chunks.add(Map.of("vec", toList(v)));
                }
                sections.add(Map.of("title", "s" + sct, "chunks", chunks));
            }
            bulk.append("{\"index\": {\"_id\": \"").append(id).append("\"}}\n").append(json(Map.of("group", group, "sections", sections))).append('\n');
        }
        Request r = new Request("POST", "/two-levels/_bulk?refresh=true");
        r.setJsonEntity(bulk.toString());
        assertEquals(false, entityAsMap(client().performRequest(r)).get("errors"));
        String qv = toList(q).toString();

        // the chunks' parents are the top-level documents: k = 3 documents, filtered by a document field
        Map<String, Object> docs = call("POST", "/two-levels/_search", """
            {"size": 10, "_source": false, "query": {"nested": {"path": "sections.chunks", "score_mode": "max",
              "query": {"binary_knn": {"field": "sections.chunks.vec", "vector": %s, "k": 3}}}}}""".formatted(qv));
        assertEquals(top(bestOfDoc, 3), ids(docs));
        Map<String, Object> groupB = call("POST", "/two-levels/_search", """
            {"size": 10, "_source": false, "query": {"nested": {"path": "sections.chunks", "score_mode": "max",
              "query": {"binary_knn": {"field": "sections.chunks.vec", "vector": %s, "k": 2, "filter": {"term": {"group": "b"}}}}}}}""".formatted(qv));
        assertEquals(top(bestOfDocInGroupB, 2), ids(groupB));

        // inside a nested query on sections, the chunks' parents are sections: k = 2 sections titled s1
        Map<String, Object> bySection = call("POST", "/two-levels/_search", """
            {"size": 10, "_source": false, "query": {"nested": {"path": "sections", "score_mode": "max",
              "query": {"nested": {"path": "sections.chunks", "score_mode": "max",
                "query": {"binary_knn": {"field": "sections.chunks.vec", "vector": %s, "k": 2, "filter": {"term": {"sections.title": "s1"}}}}}}}}}"""
            .formatted(qv));
        List<String> expected = new ArrayList<>();
        for (String key : top(bestOfS1Section, 2)) {
            expected.add(key.substring(0, key.indexOf('/')));
        }
        assertEquals(expected, ids(bySection));
    }

    private static double[] gaussian(java.util.Random random) {
        double[] v = new double[16];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }

    private static List<Double> toList(double[] v) {
        List<Double> out = new ArrayList<>();
        for (double x : v) {
            out.add(Math.round(x * 10000) / 10000.0);
        }
        return out;
    }

    private static double cosine(double[] a, double[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            double x = Math.round(a[i] * 10000) / 10000.0, y = Math.round(b[i] * 10000) / 10000.0;
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }

    /** The keys of the n highest values, best first. */
    private static List<String> top(Map<String, Double> scores, int n) {
        return scores.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue(), x.getValue())).limit(n).map(Map.Entry::getKey).toList();
    }
}
