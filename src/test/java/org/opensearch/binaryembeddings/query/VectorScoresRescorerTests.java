package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shard side of binary_hybrid's keyword search: the top window hits and every hit tied with the last of them are
 * kept and marked for their vector scores; the hits below are dropped (not fetched), whatever the rescore window.
 */
public class VectorScoresRescorerTests extends OpenSearchTestCase {

    private static TopDocs hits(float... scores) {
        ScoreDoc[] docs = new ScoreDoc[scores.length];
        for (int i = 0; i < scores.length; i++) {
            docs[i] = new ScoreDoc(10 + i, scores[i]);
        }
        return new TopDocs(new TotalHits(scores.length, TotalHits.Relation.EQUAL_TO), docs);
    }

    private static VectorScoresRescorer.Context context(int windowSize, int cut) {
        return new VectorScoresRescorer.Context(windowSize, cut, BinaryKnnQueryBuilder.builder(null).field("vec").vector(new float[] { 1, -1 }).build(), null);
    }

    private static float[] scores(TopDocs docs) {
        float[] s = new float[docs.scoreDocs.length];
        for (int i = 0; i < s.length; i++) s[i] = docs.scoreDocs[i].score;
        return s;
    }

    public void testKeepsTheWindowAndItsTies() throws IOException {
        VectorScoresRescorer.Context c = context(7, 3);
        TopDocs out = VectorScoresRescorer.INSTANCE.rescore(hits(5, 4, 3, 3, 3, 2, 1), null, c);
        assertArrayEquals(new float[] { 5, 4, 3, 3, 3 }, scores(out), 0f);
        assertEquals(Set.of(10, 11, 12, 13, 14), new TreeSet<>(c.getRescoredDocs()));
    }

    public void testCutsRightAfterTheWindowWithoutATie() throws IOException {
        VectorScoresRescorer.Context c = context(7, 2);
        TopDocs out = VectorScoresRescorer.INSTANCE.rescore(hits(5, 4, 3, 3, 3, 2, 1), null, c);
        assertArrayEquals(new float[] { 5, 4 }, scores(out), 0f);
        assertEquals(Set.of(10, 11), new TreeSet<>(c.getRescoredDocs()));
    }

    public void testTiesStopAtTheRescoreWindow() throws IOException {
        VectorScoresRescorer.Context c = context(4, 2);
        TopDocs out = VectorScoresRescorer.INSTANCE.rescore(hits(5, 3, 3, 3, 3, 3), null, c);
        assertArrayEquals(new float[] { 5, 3, 3, 3 }, scores(out), 0f);
    }

    public void testWithoutACutEveryHitInTheWindowIsMarkedAndKept() throws IOException {
        VectorScoresRescorer.Context c = context(4, 0);
        TopDocs in = hits(5, 4, 3, 2, 1);
        TopDocs out = VectorScoresRescorer.INSTANCE.rescore(in, null, c);
        assertEquals(5, out.scoreDocs.length);
        assertEquals(Set.of(10, 11, 12, 13), new TreeSet<>(c.getRescoredDocs()));
        // fewer hits than the window: all kept
        VectorScoresRescorer.Context few = context(7, 3);
        assertEquals(2, VectorScoresRescorer.INSTANCE.rescore(hits(2, 1), null, few).scoreDocs.length);
        assertEquals(Arrays.asList(10, 11), few.getRescoredDocs().stream().sorted().toList());
    }
}
