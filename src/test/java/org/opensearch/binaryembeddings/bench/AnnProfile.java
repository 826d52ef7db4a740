package org.opensearch.binaryembeddings.bench;

import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.store.MMapDirectory;
import org.opensearch.binaryembeddings.codec.BinaryVectors;
import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.query.BenchQueries;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A query loop over an index the ANN benchmark left behind (target/bench/work/synthetic-N/{ours,float}), for a
 * profiler such as JFR: {@code AnnProfile <index dir> ours|float <n> <oversample or efSearch> <num_candidates> <seconds>}.
 * Prints the QPS it ran at. With mode {@code visits} instead of a duration, prints the mean number of graph nodes one
 * search scores (ours: the walk of {@code binary_knn} with rescoring, by the asymmetric estimate):
 * {@code AnnProfile <dir> ours|float <n> <beam or efSearch> 0 visits}. For {@code <n>} {@code msmarco-5k} the queries are
 * msmarco-5k's 50 reference query embeddings (the index bin/bench leaves in work/msmarco-5k), else synthetic ones.
 */
public final class AnnProfile {

    private AnnProfile() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean ours = args[1].equals("ours");
        int a = Integer.parseInt(args[3]);
        int nc = Integer.parseInt(args[4]);
        float[][] queries = args[2].equals("msmarco-5k")
            ? org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings.queries("msmarco-5k", org.opensearch.binaryembeddings.testdata.Corpus.msmarco())
            : SyntheticVectors.forSize(Integer.parseInt(args[2])).queries(1000);
        if (args[5].equals("visits")) {
            try (MMapDirectory d = new MMapDirectory(dir); DirectoryReader reader = DirectoryReader.open(d)) {
                LeafReader leaf = reader.leaves().get(0).reader();
                long visited = 0;
                for (float[] q : queries) {
                    TopDocs td = ours
                        ? BinaryVectors.forLeaf(leaf, AnnBench.FIELD).searchAsymmetric(q, a, a, null)
                        : leaf.searchNearestVectors(AnnBench.FIELD, q, a, AcceptDocs.fromLiveDocs(null, leaf.maxDoc()), Integer.MAX_VALUE);
                    visited += td.totalHits.value();
                }
                System.out.printf(Locale.ROOT, "%s beam %d: %.0f nodes scored per search (%d segment(s))%n", args[1], a, visited / (double) queries.length, reader.leaves().size());
            }
            return;
        }
        double seconds = Double.parseDouble(args[5]);
        try (MMapDirectory d = new MMapDirectory(dir); DirectoryReader reader = DirectoryReader.open(d)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setQueryCache(null);
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long count = 0, t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                for (float[] q : queries) {
                    if (ours) {
                        searcher.search(BenchQueries.binaryKnn(AnnBench.FIELD, AnnBench.SPEC, q, SignBits.pack(q, 384), 10, 10 * a, nc, true), 10);
                    } else {
                        searcher.search(new KnnFloatVectorQuery(AnnBench.FIELD, q, a), 10);
                    }
                    count++;
                }
            }
            System.out.printf(Locale.ROOT, "%s: %d queries, %.0f QPS%n", args[1], count, count / ((System.nanoTime() - t0) / 1e9));
        }
    }
}
