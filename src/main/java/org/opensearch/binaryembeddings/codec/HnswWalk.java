package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.SparseFixedBitSet;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.NeighborQueue;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

import java.io.IOException;

/**
 * The HNSW search of one segment's graph when no filter restricts it (deleted docs aside): the algorithm of Lucene's
 * {@link HnswGraphSearcher} — a greedy descent through the upper levels, then a beam of width {@code k} on level 0, a
 * node's unvisited neighbours scored in one {@link RandomVectorScorer#bulkScore} call — with the results kept in a plain
 * heap instead of a {@code KnnCollector}. It visits the same nodes in the same order and returns the same top {@code k}
 * ({@code HnswWalkTests} compares the two on the same graph).
 *
 * <p>Why: Lucene's searcher asks its collector, through interface calls, whether to stop before every neighbour, for
 * the minimum competitive score and the search strategy after every expansion. Its collectors are decorators (the
 * reader wraps ours to translate ordinals), and in a node where float kNN queries share the searcher those call sites
 * see many collector classes and are not inlined: JFR put 19% of a msmarco-5k {@code binary_knn} query's CPU in
 * {@code KnnCollector.Decorator} methods, against 23% in scoring the codes. A walk of its own has those checks as field
 * reads, and its call to the scorer sees only this plugin's scorers. Filtered searches keep Lucene's searcher, whose
 * filtered strategy (exploring past rejected nodes) this class does not have.
 */
final class HnswWalk {

    /**
     * Graphs up to this many nodes track visits in a plain bit set (at most 128 KB, zeroed per search) even where
     * Lucene's searcher picks a sparse one (a beam of 60 on 100k nodes): on that graph the walk took 60–62 µs with
     * the plain set against 69–73 µs with the sparse one, the same 644 nodes scored (2026-12-04). Larger graphs
     * follow Lucene's rule, so that a search never zeroes megabytes.
     */
    static final int DENSE_VISITED_MAX = 1 << 20;

    private HnswWalk() {}

    /**
     * The best {@code k} nodes of {@code graph} by {@code scorer} among those {@code acceptOrds} accepts (null: all),
     * as docs ({@link RandomVectorScorer#ordToDoc}) with their scores, best first; total hits count the nodes scored.
     */
    static TopDocs search(RandomVectorScorer scorer, HnswGraph graph, int k, Bits acceptOrds) throws IOException {
        return search(scorer, graph, k, acceptOrds, DENSE_VISITED_MAX);
    }

    /** {@link #search} with the graph size up to which visits are tracked in a plain bit set (tests: the sparse one). */
    static TopDocs search(RandomVectorScorer scorer, HnswGraph graph, int k, Bits acceptOrds, int denseVisitedMax) throws IOException {
        int size = graph.size();
        int ep = graph.entryNode();
        if (size == 0 || ep == -1) {
            return new TopDocs(new TotalHits(0, TotalHits.Relation.EQUAL_TO), new ScoreDoc[0]);
        }
        BitSet visited = size <= denseVisitedMax || HnswGraphSearcher.expectedVisitedNodes(k, size) >= (size >>> 7)
            ? new FixedBitSet(size)
            : new SparseFixedBitSet(size);
        int[] nodes = new int[Math.max(1, graph.maxConn() * 2)];
        float[] scores = new float[nodes.length];
        long scored = 0;

        // upper levels: move to the best neighbour while one scores better
        if (graph.numLevels() > 1) {
            float epScore = scorer.score(ep);
            scored++;
            visited.set(ep);
            for (int level = graph.numLevels() - 1; level >= 1; level--) {
                boolean moved = true;
                while (moved) {
                    moved = false;
                    int n = unvisitedNeighbours(graph, level, ep, visited, nodes);
                    float max = n > 0 ? scorer.bulkScore(nodes, scores, n) : Float.NEGATIVE_INFINITY;
                    scored += n;
                    if (max > epScore) {
                        for (int i = 0; i < n; i++) {
                            if (scores[i] > epScore) {
                                epScore = scores[i];
                                ep = nodes[i];
                                moved = true;
                            }
                        }
                    }
                }
            }
            visited.clear();
        }

        // level 0: a beam of width k
        NeighborQueue candidates = new NeighborQueue(k, true);
        NeighborQueue results = new NeighborQueue(k, false);
        visited.set(ep);
        float epScore = scorer.score(ep);
        scored++;
        candidates.add(ep, epScore);
        if (acceptOrds == null || acceptOrds.get(ep)) {
            results.insertWithOverflow(ep, epScore);
        }
        float minAccepted = Math.nextUp(minCompetitive(results, k));
        boolean exploreAtMin = true;
        while (candidates.size() > 0) {
            float top = candidates.topScore();
            if (top < minAccepted) {
                // a candidate exactly at the minimum is explored once, as Lucene's searcher does
                if (exploreAtMin == false || Math.nextUp(top) != minAccepted) {
                    break;
                }
                exploreAtMin = false;
            }
            int node = candidates.pop();
            int n = unvisitedNeighbours(graph, 0, node, visited, nodes);
            if (n == 0) {
                continue;
            }
            scored += n;
            if (scorer.bulkScore(nodes, scores, n) > minAccepted) {
                for (int i = 0; i < n; i++) {
                    float score = scores[i];
                    if (score >= minAccepted) {
                        candidates.add(nodes[i], score);
                        if ((acceptOrds == null || acceptOrds.get(nodes[i])) && results.insertWithOverflow(nodes[i], score)) {
                            float previous = minAccepted;
                            minAccepted = Math.nextUp(minCompetitive(results, k));
                            if (minAccepted > previous) {
                                exploreAtMin = true;
                            }
                        }
                    }
                }
            }
        }

        ScoreDoc[] top = new ScoreDoc[results.size()];
        for (int i = top.length - 1; i >= 0; i--) {
            float score = results.topScore();
            top[i] = new ScoreDoc(scorer.ordToDoc(results.pop()), score);
        }
        return new TopDocs(new TotalHits(scored, TotalHits.Relation.EQUAL_TO), top);
    }

    /** The score a node must beat to enter full results, as Lucene's top-k collector reports it. */
    private static float minCompetitive(NeighborQueue results, int k) {
        return results.size() >= k ? results.topScore() : Float.NEGATIVE_INFINITY;
    }

    /** Puts the neighbours of {@code node} on {@code level} that were not visited yet into {@code out}, marking them visited. */
    private static int unvisitedNeighbours(HnswGraph graph, int level, int node, BitSet visited, int[] out) throws IOException {
        graph.seek(level, node);
        int n = 0;
        for (int friend = graph.nextNeighbor(); friend != DocIdSetIterator.NO_MORE_DOCS; friend = graph.nextNeighbor()) {
            if (visited.getAndSet(friend) == false) {
                out[n++] = friend;
            }
        }
        return n;
    }
}
