package org.opensearch.binaryembeddings.quality;

import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.binaryembeddings.testdata.ExactSearch;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.Json;
import org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Retrieval quality on msmarco-5k with the reference bge-small-en-v1.5 int8 embeddings sent as vectors (the encoder is
 * tested on its own): BM25, binary_knn with and without rescoring, exact float cosine, and every binary_hybrid method,
 * as nDCG@10 with trec_eval semantics. The real-node test repeats this with the bundled model and the pipeline.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 1, numClientNodes = 0, supportsDedicatedMasters = false)
public class MsMarcoFusionQualityClusterTests extends PluginIntegTestCase {

    public void testNdcgOfEveryMethod() throws IOException {
        Corpus data = Corpus.msmarco();
        float[][] passages = ReferenceEmbeddings.passages("msmarco-5k", data);
        float[][] queries = ReferenceEmbeddings.queries("msmarco-5k", data);
        client().admin().indices().prepareCreate("msmarco")
            .setSettings(Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", 2).put("index.number_of_replicas", 0))
            .setMapping("{\"properties\":{\"text\":{\"type\":\"text\",\"analyzer\":\"standard\"},"
                + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384}}}")
            .get();
        for (int start = 0; start < data.docs.size(); start += 500) {
            BulkRequestBuilder bulk = client().prepareBulk();
            for (int i = start; i < Math.min(data.docs.size(), start + 500); i++) {
                XContentBuilder doc = XContentFactory.jsonBuilder().startObject().field("text", data.docs.get(i).content()).array("embedding", passages[i]).endObject();
                bulk.add(client().prepareIndex("msmarco").setId(data.docs.get(i).id()).setSource(doc));
            }
            BulkResponse r = bulk.get();
            assertFalse(r.buildFailureMessage(), r.hasFailures());
        }
        client().admin().indices().prepareRefresh("msmarco").get();

        Map<String, Function<Integer, String>> methods = new LinkedHashMap<>();
        methods.put("bm25 (match)", q -> match(data, q));
        methods.put("binary_knn rescore", q -> knn(queries[q], true));
        methods.put("binary_knn no rescore", q -> knn(queries[q], false));
        methods.put("hybrid default", q -> hybrid(data, queries, q, null));
        methods.put("hybrid rrf k=60", q -> hybrid(data, queries, q, "{\"method\":\"rrf\"}"));
        methods.put("hybrid linear min_max 0.5/0.5", q -> hybrid(data, queries, q, "{\"method\":\"linear\",\"normalization\":\"min_max\",\"weights\":{\"keyword\":0.5,\"vector\":0.5}}"));
        methods.put("hybrid linear bounded 0.5/0.5", q -> hybrid(data, queries, q, "{\"method\":\"linear\",\"normalization\":\"bounded\",\"weights\":{\"keyword\":0.5,\"vector\":0.5}}"));
        methods.put("hybrid linear z_score 0.5/0.5", q -> hybrid(data, queries, q, "{\"method\":\"linear\",\"normalization\":\"z_score\",\"weights\":{\"keyword\":0.5,\"vector\":0.5}}"));
        methods.put("hybrid rerank", q -> hybrid(data, queries, q, "{\"method\":\"rerank\"}"));

        Map<String, Double> ndcg = new LinkedHashMap<>();
        List<Corpus.Query> all = data.queries;
        for (Map.Entry<String, Function<Integer, String>> m : methods.entrySet()) {
            Map<String, List<String>> ranked = new HashMap<>();
            for (int q = 0; q < all.size(); q++) {
                SearchResponse r = client().prepareSearch("msmarco").setQuery(QueryBuilders.wrapperQuery(m.getValue().apply(q))).setSize(10).setFetchSource(false).get();
                List<String> ids = new ArrayList<>();
                for (SearchHit h : r.getHits().getHits()) ids.add(h.getId());
                ranked.put(all.get(q).id(), ids);
            }
            ndcg.put(m.getKey(), data.ndcg(ranked, 10));
        }
        Map<String, List<String>> exact = new HashMap<>();
        List<float[]> passageList = Arrays.asList(passages);
        List<String> docIds = data.docs.stream().map(Corpus.Doc::id).toList();
        for (int q = 0; q < all.size(); q++) {
            exact.put(all.get(q).id(), ExactSearch.top(queries[q], passageList, docIds, 10, i -> true));
        }
        ndcg.put("exact float cosine", data.ndcg(exact, 10));

        StringBuilder table = new StringBuilder("\nnDCG@10 on msmarco-5k (" + data.judgedQueries().size() + " judged queries, reference bge-small-en-v1.5 int8 vectors)\n");
        ndcg.forEach((k, v) -> table.append(String.format(Locale.ROOT, "  %-34s %.4f%n", k, v)));
        logger.info(table);
        System.out.println(table);

        double bm25 = ndcg.get("bm25 (match)"), knn = ndcg.get("binary_knn rescore");
        assertTrue("binary_knn with rescoring keeps 99.5% of exact float cosine" + table, knn >= 0.995 * ndcg.get("exact float cosine"));
        assertTrue("default hybrid does not lose to the better input" + table, ndcg.get("hybrid default") >= Math.max(bm25, knn) - 0.005);
    }

    private static String match(Corpus data, int q) {
        return "{\"match\":{\"text\":" + Json.string(data.queries.get(q).text()) + "}}";
    }

    private static String knn(float[] v, boolean rescore) {
        return "{\"binary_knn\":{\"field\":\"embedding\",\"vector\":" + Arrays.toString(v) + ",\"k\":10,\"rescore\":" + rescore + "}}";
    }

    private static String hybrid(Corpus data, float[][] queries, int q, String fusion) {
        return "{\"binary_hybrid\":{\"keyword\":" + match(data, q) + ",\"vector\":{\"field\":\"embedding\",\"vector\":" + Arrays.toString(queries[q])
            + "}" + (fusion == null ? "" : ",\"fusion\":" + fusion) + "}}";
    }
}
