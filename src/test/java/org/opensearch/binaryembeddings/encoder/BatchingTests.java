package org.opensearch.binaryembeddings.encoder;

import org.opensearch.test.OpenSearchTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class BatchingTests extends OpenSearchTestCase {

    private static List<int[]> batches(int maxBatch, int maxTokens, int... lengths) {
        EncoderSettings.Config config = EncoderSettings.Config.defaults().withMaxBatchSize(maxBatch).withMaxBatchTokens(maxTokens);
        EncoderService service = new EncoderService(createTempDir().resolve("none"), config, Runnable::run);
        List<long[]> tokens = new ArrayList<>();
        for (int len : lengths) {
            tokens.add(new long[len]);
        }
        return service.batches(tokens);
    }

    private static String show(List<int[]> batches) {
        return batches.stream().map(Arrays::toString).toList().toString();
    }

    public void testShortestFirstCappedByCountAndPaddedTokens() {
        // lengths by index: 0→50, 1→10, 2→30, 3→20, 4→40
        assertEquals("[[1, 3], [2, 4], [0]]", show(batches(2, 1000, 50, 10, 30, 20, 40)));
        // 3 texts padded to 30 = 90 tokens fit in 100; adding the 40 would make 160
        assertEquals("[[1, 3, 2], [4, 0]]", show(batches(32, 100, 50, 10, 30, 20, 40)));
        // a text longer than the budget still runs, alone
        assertEquals("[[1], [0]]", show(batches(32, 16, 500, 10)));
        assertEquals("[]", show(batches(32, 1000)));
    }

    public void testEveryTextInExactlyOneBatch() {
        int n = randomIntBetween(1, 300);
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = randomIntBetween(3, 512);
        }
        int maxBatch = randomIntBetween(1, 64), maxTokens = randomIntBetween(16, 4096);
        boolean[] seen = new boolean[n];
        for (int[] b : batches(maxBatch, maxTokens, lengths)) {
            assertTrue(b.length >= 1 && b.length <= maxBatch);
            int longest = Arrays.stream(b).map(i -> lengths[i]).max().getAsInt();
            assertTrue(b.length == 1 || b.length * longest <= maxTokens);
            for (int i : b) {
                assertFalse(seen[i]);
                seen[i] = true;
            }
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }
}
