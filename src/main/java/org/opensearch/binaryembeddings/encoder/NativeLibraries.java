package org.opensearch.binaryembeddings.encoder;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.secure_sm.AccessController;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prepares the two native libraries before first use.
 * <ul>
 * <li>DJL's Hugging Face tokenizers extract their Rust library into a cache folder, {@code ~/.djl.ai} unless the
 * system property (or environment variable) {@code DJL_CACHE_DIR} says otherwise. Like ml-commons, which runs the same
 * library inside nodes, we point it at a folder of our own under the node's data path before the first tokenizer is
 * created; a value set by the operator (or another plugin) is left alone.</li>
 * <li>DJL also "calls home" (an HTTP request to the EC2 metadata address) on the first tokenizer unless
 * {@code OPT_OUT_TRACKING} is true: a search node must not do that, so it is switched off here.</li>
 * <li>ONNX Runtime unpacks its natives into {@code java.io.tmpdir}, which the node already owns.</li>
 * </ul>
 */
public final class NativeLibraries {

    private static final Logger logger = LogManager.getLogger(NativeLibraries.class);

    public static final String DJL_CACHE_DIR = "DJL_CACHE_DIR";
    public static final String DJL_OPT_OUT_TRACKING = "OPT_OUT_TRACKING";

    private NativeLibraries() {}

    /**
     * Idempotent; call before the first tokenizer is created. {@code djlCacheDir} may be null (keeps DJL's default or
     * an earlier choice).
     */
    public static synchronized void prepare(Path djlCacheDir) {
        AccessController.doPrivileged(() -> {
            if (System.getProperty(DJL_OPT_OUT_TRACKING) == null) {
                System.setProperty(DJL_OPT_OUT_TRACKING, "true");
            }
            if (djlCacheDir != null && System.getProperty(DJL_CACHE_DIR) == null && System.getenv(DJL_CACHE_DIR) == null) {
                try {
                    Files.createDirectories(djlCacheDir);
                    System.setProperty(DJL_CACHE_DIR, djlCacheDir.toAbsolutePath().toString());
                } catch (Exception e) {
                    logger.warn("cannot create the tokenizer native cache folder [{}]: {}", djlCacheDir, e.toString());
                }
            }
        });
        logger.debug("DJL cache dir [{}]", System.getProperty(DJL_CACHE_DIR));
    }
}
