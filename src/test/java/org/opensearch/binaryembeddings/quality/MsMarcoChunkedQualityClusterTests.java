package org.opensearch.binaryembeddings.quality;

import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.binaryembeddings.encoder.EncoderService;
import org.opensearch.binaryembeddings.encoder.EncoderSettings;
import org.opensearch.binaryembeddings.encoder.TestModels;
import org.opensearch.binaryembeddings.ingest.LocalEmbeddingProcessor;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.Json;
import org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/**
 * msmarco-5k with chunking on: its passages are short, so {@code chunking} with the default 256 tokens makes one chunk
 * each, the whole passage (checked with the model's tokenizer); searching those chunks inside a {@code nested} query
 * (k counting parents) must rank as well as the unchunked field, with binary_knn and with the default binary_hybrid
 * (BM25 on the parents, the vector on their chunks): nDCG@10 within 0.002. The vectors are the reference
 * bge-small-en-v1.5 int8 embeddings (the same for a chunk and its passage, since the chunk is the passage), so the
 * test runs in seconds.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 1, numClientNodes = 0, supportsDedicatedMasters = false)
public class MsMarcoChunkedQualityClusterTests extends PluginIntegTestCase {

    public void testOneChunkPerPassageRanksAsTheUnchunkedField() throws Exception {
        Corpus data = Corpus.msmarco();
        assertEveryPassageIsOneWholeChunk(data);
        float[][] passages = ReferenceEmbeddings.passages("msmarco-5k", data);
        float[][] queries = ReferenceEmbeddings.queries("msmarco-5k", data);
        Settings settings = Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", 2).put("index.number_of_replicas", 0).build();
        client().admin().indices().prepareCreate("flat").setSettings(settings)
            .setMapping("{\"properties\":{\"text\":{\"type\":\"text\"},\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384}}}")
            .get();
        client().admin().indices().prepareCreate("chunked").setSettings(settings)
            .setMapping("{\"properties\":{\"text\":{\"type\":\"text\"},\"chunks\":{\"type\":\"nested\",\"properties\":{"
                + "\"text\":{\"type\":\"text\"},\"start\":{\"type\":\"integer\"},\"end\":{\"type\":\"integer\"},"
                + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384}}}}}")
            .get();
        for (int start = 0; start < data.docs.size(); start += 500) {
            BulkRequestBuilder bulk = client().prepareBulk();
            for (int i = start; i < Math.min(data.docs.size(), start + 500); i++) {
                String text = data.docs.get(i).content();
                XContentBuilder flat = XContentFactory.jsonBuilder().startObject().field("text", text).array("embedding", passages[i]).endObject();
                bulk.add(client().prepareIndex("flat").setId(data.docs.get(i).id()).setSource(flat));
                XContentBuilder chunked = XContentFactory.jsonBuilder().startObject().field("text", text).startArray("chunks")
                    .startObject().field("text", text).field("start", 0).field("end", text.length()).array("embedding", passages[i]).endObject()
                    .endArray().endObject();
                bulk.add(client().prepareIndex("chunked").setId(data.docs.get(i).id()).setSource(chunked));
            }
            BulkResponse r = bulk.get();
            assertFalse(r.buildFailureMessage(), r.hasFailures());
        }
        client().admin().indices().prepareRefresh("flat", "chunked").get();

        Map<String, Double> ndcg = new LinkedHashMap<>();
        ndcg.put("binary_knn", ndcg(data, "flat", q -> knn("embedding", queries[q])));
        ndcg.put("binary_knn in nested (one chunk each)", ndcg(data, "chunked", q -> nested(knn("chunks.embedding", queries[q]))));
        ndcg.put("binary_hybrid default", ndcg(data, "flat", q -> hybrid(data, q, "embedding", queries[q])));
        ndcg.put("binary_hybrid default on the chunks", ndcg(data, "chunked", q -> hybrid(data, q, "chunks.embedding", queries[q])));
        StringBuilder table = new StringBuilder("\nnDCG@10 on msmarco-5k with chunking (" + data.judgedQueries().size() + " judged queries)\n");
        ndcg.forEach((k, v) -> table.append(String.format(Locale.ROOT, "  %-40s %.4f%n", k, v)));
        logger.info(table);
        System.out.println(table);
        assertEquals(table.toString(), ndcg.get("binary_knn"), ndcg.get("binary_knn in nested (one chunk each)"), 0.002);
        assertEquals(table.toString(), ndcg.get("binary_hybrid default"), ndcg.get("binary_hybrid default on the chunks"), 0.002);
    }

    /**
     * With the processor's default chunking (256 tokens), every msmarco passage is one chunk and that chunk is the whole
     * passage, by the model's own tokenizer: so a chunked index embeds exactly the texts an unchunked one does.
     */
    private static void assertEveryPassageIsOneWholeChunk(Corpus data) throws Exception {
        ExecutorService executor = TestModels.executor(1);
        EncoderService service = TestModels.loadedService(TestModels.bundled(), EncoderSettings.Config.defaults(), executor);
        try {
            int longest = 0, trimmed = 0;
            for (Corpus.Doc d : data.docs) {
                String text = d.content();
                int[] spans = service.tokenSpans(TestModels.BGE, text);
                longest = Math.max(longest, spans.length / 2);
                assertTrue(d.id() + " has " + spans.length / 2 + " tokens", spans.length / 2 <= LocalEmbeddingProcessor.DEFAULT_CHUNK_TOKENS);
                // the one chunk runs from the first token to the last: around it only white space or characters the
                // tokenizer drops (msmarco has mojibake control characters), so the model reads the same tokens
                String chunk = text.substring(spans[0], spans[spans.length - 1]);
                assertArrayEquals(d.id(), shifted(spans, spans[0]), service.tokenSpans(TestModels.BGE, chunk));
                if (chunk.equals(text) == false) {
                    trimmed++;
                }
            }
            System.out.println("msmarco-5k: longest passage " + longest + " tokens; " + trimmed + " chunks trimmed of white space or dropped characters");
        } finally {
            service.close();
            TestModels.shutdown(executor);
        }
    }

    private static int[] shifted(int[] spans, int by) {
        int[] out = new int[spans.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = spans[i] - by;
        }
        return out;
    }

    private double ndcg(Corpus data, String index, Function<Integer, String> query) {
        Map<String, List<String>> ranked = new HashMap<>();
        for (int q = 0; q < data.queries.size(); q++) {
            SearchResponse r = client().prepareSearch(index).setQuery(QueryBuilders.wrapperQuery(query.apply(q))).setSize(10).setFetchSource(false).get();
            List<String> ids = new ArrayList<>();
            for (SearchHit h : r.getHits().getHits()) {
                ids.add(h.getId());
            }
            ranked.put(data.queries.get(q).id(), ids);
        }
        return data.ndcg(ranked, 10);
    }

    private static String knn(String field, float[] v) {
        return "{\"binary_knn\":{\"field\":" + Json.string(field) + ",\"vector\":" + Arrays.toString(v) + ",\"k\":10}}";
    }

    private static String hybrid(Corpus data, int q, String field, float[] v) {
        return "{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":" + Json.string(data.queries.get(q).text()) + "}},\"vector\":{\"field\":"
            + Json.string(field) + ",\"vector\":" + Arrays.toString(v) + "}}}";
    }

        private static String nested(String knn) {
        return "{\"nested\":{\"path\":\"chunks\",\"score_mode\":\"max\",\"query\":" + knn + "}}";
    }
}
