package org.opensearch.binaryembeddings.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a text into overlapping windows of at most {@code maxTokens} model tokens, from the token spans of the model's
 * own tokenizer (so a window never exceeds what the model reads). Windows end where a word starts when one lies in the
 * window's last quarter, so that a word is not cut between two chunks (re-tokenizing a chunk then gives the same tokens);
 * the next window starts at the first word start within the last {@code overlapTokens} tokens of the previous one. Each
 * window thus holds at most {@code maxTokens} tokens and overlaps the previous one by at most {@code overlapTokens}:
 * the tokens embedded are at most the text's plus {@code overlapTokens} per chunk after the first.
 */
final class TextChunker {

    /** One window: the characters {@code [start, end)} of the source text (UTF-16 offsets) and its token count. */
    record Chunk(int start, int end, int tokens) {}

    private final int maxTokens;
    private final int overlapTokens;

    TextChunker(int maxTokens, int overlapTokens) {
        if (maxTokens < 1 || overlapTokens < 0 || overlapTokens > maxTokens / 2) {
            throw new IllegalArgumentException("need 0 <= overlap_tokens <= max_tokens / 2, got " + overlapTokens + " and " + maxTokens);
        }
        this.maxTokens = maxTokens;
        this.overlapTokens = overlapTokens;
    }

    int maxTokens() {
        return maxTokens;
    }

    int overlapTokens() {
        return overlapTokens;
    }

    /**
     * The windows of a text whose tokens cover {@code spans} ({@code [spans[2i], spans[2i+1])} for token i, in order;
     * see {@code EncoderService#tokenSpans}); none for a text without tokens.
     */
    List<Chunk> chunks(String text, int[] spans) {
        int n = spans.length / 2;
        List<Chunk> out = new ArrayList<>();
        int s = 0;
        while (s < n) {
            int e = Math.min(n, s + maxTokens);
            if (e < n) {
                // end before a word start in the window's last quarter, if there is one
                int floor = Math.max(s + 1, e - Math.max(1, maxTokens / 4));
                for (int c = e; c >= floor; c--) {
                    if (startsWord(text, spans, c)) {
                        e = c;
                        break;
                    }
                }
            }
            out.add(new Chunk(spans[2 * s], spans[2 * (e - 1) + 1], e - s));
            if (e == n) {
                break;
            }
            // no word start among the last overlapTokens tokens: no overlap rather than a chunk starting mid-word
            int next = e;
            for (int c = Math.max(s + 1, e - overlapTokens); c < e; c++) {
                if (startsWord(text, spans, c)) {
                    next = c;
                    break;
                }
            }
            s = next;
        }
        return out;
    }

    /** Token {@code i} begins a word: white space (or the text's start) lies right before it. */
    private static boolean startsWord(String text, int[] spans, int i) {
        int start = spans[2 * i];
        if (i == 0 || start == 0) {
            return true;
        }
        return start > spans[2 * (i - 1) + 1] || Character.isWhitespace(text.charAt(start - 1));
    }
}
