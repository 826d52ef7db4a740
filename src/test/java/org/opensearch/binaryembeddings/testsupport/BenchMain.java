package org.opensearch.binaryembeddings.testsupport;

/**
 * How the benchmark programs run their main: on a thread with a 64 MB stack, because ONNX Runtime's first
 * initialization (the bundled model, langchain4j's reference model) needs more than the main thread's 1 MB; exit 1 with
 * the stack trace when the benchmark fails, 0 when it ends (its node clients and pools may leave threads behind).
 */
public final class BenchMain {

    /** A benchmark's body. */
    public interface Body {
        void run() throws Exception;
    }

    private BenchMain() {}

    public static void run(Body body) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "bench", 64L << 20);
        t.start();
        t.join();
        if (failure[0] != null) {
            failure[0].printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
