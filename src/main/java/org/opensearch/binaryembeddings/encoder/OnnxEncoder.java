package org.opensearch.binaryembeddings.encoder;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One loaded model: an ONNX Runtime session and its Hugging Face tokenizer (DJL), shared by every caller of a node.
 * Thread-safe: both natives allow concurrent calls; a read/write lock only keeps {@link #close()} from freeing native
 * memory under a running call.
 * <p>
 * A batch is padded to its longest text (attention mask 0 on padding); texts longer than {@code max_tokens} are
 * truncated by the tokenizer (special tokens included in the count), never rejected.
 */
final class OnnxEncoder implements Closeable {

    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";

    private final ModelManifest manifest;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    /** The same tokenizer without special tokens or truncation: where each token of a whole text lies (chunking). */
    private final HuggingFaceTokenizer spanTokenizer;
    private final boolean feedsTokenTypes;
    private final String output;
    private final boolean outputPooled;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private OnnxEncoder(
        ModelManifest manifest,
        OrtEnvironment env,
        OrtSession session,
        HuggingFaceTokenizer tokenizer,
        HuggingFaceTokenizer spanTokenizer
    ) throws OrtException {
        this.manifest = manifest;
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.spanTokenizer = spanTokenizer;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
            NodeInfo info = inputs.get(required);
            if (info == null || !(info.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.INT64) {
                throw new IllegalArgumentException("model.onnx must take an int64 input [" + required + "]; inputs are " + inputs.keySet());
            }
        }
        for (String name : inputs.keySet()) {
            if (name.equals(INPUT_IDS) == false && name.equals(ATTENTION_MASK) == false && name.equals(TOKEN_TYPE_IDS) == false) {
                throw new IllegalArgumentException("model.onnx takes an unsupported input [" + name + "]");
            }
        }
        this.feedsTokenTypes = inputs.containsKey(TOKEN_TYPE_IDS);
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        String out = outputs.containsKey("last_hidden_state") ? "last_hidden_state" : outputs.keySet().iterator().next();
        if (!(outputs.get(out).getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException("model.onnx output [" + out + "] is not a float tensor");
        }
        long[] shape = t.getShape();
        if (shape.length != 3 && shape.length != 2) {
            throw new IllegalArgumentException("model.onnx output [" + out + "] has rank " + shape.length + ", expected 3 (tokens) or 2 (pooled)");
        }
        long width = shape[shape.length - 1];
        if (width > 0 && width != manifest.dims()) {
            throw new IllegalArgumentException("model.onnx outputs " + width + " dims but the manifest says [dims] = " + manifest.dims());
        }
        this.output = out;
        this.outputPooled = shape.length == 2;
    }

    /** Loads {@code model.onnx} and {@code tokenizer.json} from {@code dir} (already validated by {@link ModelPaths}). */
    static OnnxEncoder load(ModelManifest manifest, Path dir, int intraOpThreads) throws IOException, OrtException {
        return load(manifest, dir, intraOpThreads, so -> {});
    }

    /** Session options for studies: {@code tweak} runs after the shipped options are set. */
    interface SessionTweak {
        void apply(OrtSession.SessionOptions options) throws OrtException;
    }

    static OnnxEncoder load(ModelManifest manifest, Path dir, int intraOpThreads, SessionTweak tweak) throws IOException, OrtException {
        Path modelFile = dir.resolve(ModelPaths.MODEL_FILE);
        Path tokenizerFile = dir.resolve(ModelPaths.TOKENIZER_FILE);
        for (Path f : List.of(modelFile, tokenizerFile)) {
            if (Files.isRegularFile(f) == false) {
                throw new IllegalArgumentException("missing model file [" + f.getFileName() + "]");
            }
        }
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "true");
        options.put("truncation", "true");
        options.put("padding", "false"); // we pad each batch to its own longest text
        options.put("maxLength", Integer.toString(manifest.maxTokens()));
        options.put("modelMaxLength", Integer.toString(manifest.maxTokens()));
        HuggingFaceTokenizer tokenizer;
        HuggingFaceTokenizer spanTokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile, options);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer.json: " + e.getMessage(), e);
        }
        try {
            spanTokenizer = HuggingFaceTokenizer.newInstance(
                tokenizerFile,
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")
            );
        } catch (RuntimeException e) {
            tokenizer.close();
            throw new IllegalArgumentException("cannot load tokenizer.json: " + e.getMessage(), e);
        }
        OrtSession session = null;
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setIntraOpNumThreads(intraOpThreads);
                so.setInterOpNumThreads(1);
                so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                // idle intra-op threads must not spin on a shared search node
                so.addConfigEntry("session.intra_op.allow_spinning", "0");
                tweak.apply(so);
                session = env.createSession(modelFile.toString(), so);
            }
            OnnxEncoder encoder = new OnnxEncoder(manifest, env, session, tokenizer, spanTokenizer);
            float[][] probe = encoder.embed(List.of(encoder.tokenize("binary embeddings")));
            if (probe[0].length != manifest.dims()) {
                throw new IllegalArgumentException("model.onnx outputs " + probe[0].length + " dims but the manifest says " + manifest.dims());
            }
            return encoder;
        } catch (OrtException | RuntimeException e) {
            tokenizer.close();
            spanTokenizer.close();
            if (session != null) {
                session.close();
            }
            throw e;
        }
    }

    ModelManifest manifest() {
        return manifest;
    }

    /**
     * Token ids of one text, with special tokens, truncated to {@code max_tokens}; {@code null} when the text has no
     * content token, i.e. the tokenizer kept nothing but its special tokens (zero-width spaces, NBSP, control
     * characters, a BOM or lone combining marks are dropped by its normalizer). Such texts all get one identical
     * vector that ranks first for unrelated queries, so callers refuse them.
     */
    long[] tokenize(String text) {
        lock.readLock().lock();
        try {
            ensureOpen();
            Encoding encoding = tokenizer.encode(text);
            long[] special = encoding.getSpecialTokenMask();
            for (long s : special) {
                if (s == 0) {
                    return encoding.getIds();
                }
            }
            return null;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Where the content tokens of the whole {@code text} lie, untruncated and without special tokens: token {@code i}
     * covers the characters {@code [spans[2i], spans[2i+1])} (UTF-16 offsets into {@code text}, converted from the
     * tokenizer's code point offsets), in order.
     */
    int[] tokenSpans(String text) {
        lock.readLock().lock();
        try {
            ensureOpen();
            Encoding encoding = spanTokenizer.encode(text);
            ai.djl.huggingface.tokenizers.jni.CharSpan[] spans = encoding.getCharTokenSpans();
            long[] special = encoding.getSpecialTokenMask();
            int[] out = new int[spans.length * 2];
            int n = 0;
            for (int i = 0; i < spans.length; i++) {
                if (spans[i] == null || (special.length > i && special[i] != 0)) {
                    continue;
                }
                out[n++] = spans[i].getStart();
                out[n++] = spans[i].getEnd();
            }
            out = n == out.length ? out : java.util.Arrays.copyOf(out, n);
            // the tokenizer counts code points; a character outside the BMP is two UTF-16 units in Java
            if (text.length() != text.codePointCount(0, text.length())) {
                int[] unit = new int[text.codePointCount(0, text.length()) + 1];
                for (int cp = 0, u = 0; cp < unit.length; cp++) {
                    unit[cp] = u;
                    if (u < text.length()) {
                        u += Character.charCount(text.codePointAt(u));
                    }
                }
                for (int i = 0; i < out.length; i++) {
                    out[i] = unit[Math.min(out[i], unit.length - 1)];
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Embeds one batch of tokenized texts, padded to the longest; returns one vector per text, in order. */
    float[][] embed(List<long[]> batch) throws OrtException {
        int n = batch.size();
        if (n == 0) {
            return new float[0][];
        }
        int len = 1;
        for (long[] ids : batch) {
            len = Math.max(len, ids.length);
        }
        long[] ids = new long[n * len];
        long[] mask = new long[n * len];
        for (int i = 0; i < n; i++) {
            long[] t = batch.get(i);
            System.arraycopy(t, 0, ids, i * len, t.length);
            java.util.Arrays.fill(mask, i * len, i * len + t.length, 1L);
        }
        long[] shape = { n, len };
        lock.readLock().lock();
        try {
            ensureOpen();
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try {
                inputs.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
                inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                if (feedsTokenTypes) {
                    inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n * len]), shape));
                }
                try (OrtSession.Result result = session.run(inputs, java.util.Set.of(output))) {
                    OnnxValue value = result.get(0);
                    FloatBuffer out = ((OnnxTensor) value).getFloatBuffer();
                    return pool(out, batch, len);
                }
            } finally {
                for (OnnxTensor t : inputs.values()) {
                    t.close();
                }
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private float[][] pool(FloatBuffer out, List<long[]> batch, int len) {
        int dims = manifest.dims();
        int n = batch.size();
        float[][] vectors = new float[n][dims];
        if (outputPooled) {
            if (out.remaining() != n * dims) {
                throw new IllegalStateException("model output has " + out.remaining() + " values, expected " + (n * dims));
            }
            for (int i = 0; i < n; i++) {
                out.get(i * dims, vectors[i], 0, dims);
            }
        } else {
            if (out.remaining() != (long) n * len * dims) {
                throw new IllegalStateException("model output has " + out.remaining() + " values, expected " + ((long) n * len * dims));
            }
            for (int i = 0; i < n; i++) {
                float[] v = vectors[i];
                int base = i * len * dims;
                if (manifest.pooling() == ModelManifest.Pooling.CLS) {
                    out.get(base, v, 0, dims);
                } else {
                    int tokens = batch.get(i).length; // the mask is 1 exactly on the first `tokens` positions
                    for (int t = 0; t < tokens; t++) {
                        int off = base + t * dims;
                        for (int d = 0; d < dims; d++) {
                            v[d] += out.get(off + d);
                        }
                    }
                    float inv = 1f / Math.max(1, tokens);
                    for (int d = 0; d < dims; d++) {
                        v[d] *= inv;
                    }
                }
            }
        }
        if (manifest.normalize()) {
            for (float[] v : vectors) {
                normalize(v);
            }
        }
        return vectors;
    }

    static void normalize(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        if (sum > 0) {
            float inv = (float) (1.0 / Math.sqrt(sum));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model [" + manifest.name() + "] is closed");
        }
    }

    /** Frees the native session and tokenizer once running calls have finished. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            tokenizer.close();
            spanTokenizer.close();
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("cannot close the ONNX session of [" + manifest.name() + "]", e);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
