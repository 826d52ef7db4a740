package org.opensearch.binaryembeddings.testdata;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The CEO's msmarco-5k subset (BEIR layout) read from ../shared at run time; it is never copied into the repo.
 * The location comes from the system property be.shared.dir (set by the pom / bin scripts).
 */
public final class MsMarco {

    public record Doc(String id, String title, String text) {
        /** Passages are embedded and searched as title + " " + text, as the reference numbers were. */
        public String content() {
            return title.isEmpty() ? text : title + " " + text;
        }
    }

    public record Query(String id, String text) {}

    private static MsMarco instance;

    public final List<Doc> docs;
    public final List<Query> queries;
    /** query id → (doc id → graded relevance 1..3). */
    public final Map<String, Map<String, Integer>> qrels;

    private MsMarco(List<Doc> docs, List<Query> queries, Map<String, Map<String, Integer>> qrels) {
        this.docs = docs;
        this.queries = queries;
        this.qrels = qrels;
    }

    public static Path dir() {
        String shared = System.getProperty("be.shared.dir", "../shared");
        return Path.of(shared, "data", "msmarco-5k");
    }

    public static synchronized MsMarco load() {
        if (instance == null) {
            try {
                instance = read(dir());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read msmarco-5k from " + dir().toAbsolutePath(), e);
            }
        }
        return instance;
    }

    private static MsMarco read(Path dir) throws IOException {
        List<Doc> docs = new ArrayList<>();
        for (Map<String, Object> m : jsonLines(dir.resolve("corpus.jsonl"))) {
            docs.add(new Doc(String.valueOf(m.get("_id")), String.valueOf(m.getOrDefault("title", "")), String.valueOf(m.get("text"))));
        }
        List<Query> queries = new ArrayList<>();
        for (Map<String, Object> m : jsonLines(dir.resolve("queries.jsonl"))) {
            queries.add(new Query(String.valueOf(m.get("_id")), String.valueOf(m.get("text"))));
        }
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("qrels").resolve("test.tsv"), StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            if (f.length < 3 || f[2].isBlank() || !Character.isDigit(f[2].trim().charAt(0))) {
                continue;
            }
            qrels.computeIfAbsent(f[0], k -> new HashMap<>()).put(f[1], Integer.parseInt(f[2].trim()));
        }
        return new MsMarco(Collections.unmodifiableList(docs), Collections.unmodifiableList(queries), Collections.unmodifiableMap(qrels));
    }

    private static List<Map<String, Object>> jsonLines(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            out.add(XContentHelper.convertToMap(JsonXContent.jsonXContent, line, false));
        }
        return out;
    }

    /** A JSON string literal of {@code s}. */
    public static String jsonString(String s) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
    }

    /**
     * A {@code _bulk} body indexing docs {@code [from, to)} under their ids with their content as {@code text}, plus
     * the JSON members {@code extraFields} gives for a doc's position (empty string: none).
     */
    public String bulkBody(int from, int to, IntFunction<String> extraFields) {
        StringBuilder bulk = new StringBuilder();
        for (int i = from; i < Math.min(docs.size(), to); i++) {
            Doc d = docs.get(i);
            String extra = extraFields.apply(i);
            bulk.append("{\"index\":{\"_id\":").append(jsonString(d.id())).append("}}\n");
            bulk.append("{\"text\":").append(jsonString(d.content())).append(extra.isEmpty() ? "" : "," + extra).append("}\n");
        }
        return bulk.toString();
    }

    /** Queries that have judgments (43 of the 50). */
    public List<Query> judgedQueries() {
        return queries.stream().filter(q -> qrels.containsKey(q.id())).toList();
    }

    /**
     * nDCG@k with trec_eval semantics: gain = grade (linear), discount log2(rank + 1), ideal DCG from all judged
     * documents of the query, unjudged documents gain 0. Returns the mean over queries that have judgments.
     */
    public double ndcg(Map<String, List<String>> rankedDocIdsByQuery, int k) {
        double sum = 0;
        int n = 0;
        for (Query q : judgedQueries()) {
            sum += ndcg(qrels.get(q.id()), rankedDocIdsByQuery.getOrDefault(q.id(), List.of()), k);
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    public static double ndcg(Map<String, Integer> judged, List<String> ranked, int k) {
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            dcg += judged.getOrDefault(ranked.get(i), 0) / log2(i + 2);
        }
        List<Integer> ideal = new ArrayList<>(judged.values());
        ideal.sort(Collections.reverseOrder());
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.size()); i++) {
            idcg += ideal.get(i) / log2(i + 2);
        }
        return idcg == 0 ? 0 : dcg / idcg;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

}
