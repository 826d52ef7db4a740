package org.opensearch.binaryembeddings.encoder;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The only place that turns a model name into a path. A name is a single folder name matching
 * {@code [a-z0-9][a-z0-9._-]{0,99}} without {@code ".."}; the resolved folder must still lie inside the models root
 * after normalization. Nothing outside {@code $OPENSEARCH_PATH_CONF/binary-embeddings/models/} is ever read.
 */
public final class ModelPaths {

    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    /** The files of a model folder. */
    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private ModelPaths() {}

    /** Throws IllegalArgumentException unless {@code name} is a valid model name. */
    public static String validateName(String name) {
        if (name == null || NAME.matcher(name).matches() == false || name.contains("..")) {
            throw new IllegalArgumentException(
                "invalid model name [" + name + "]: must match [a-z0-9][a-z0-9._-]* (at most 100 characters) and not contain [..]"
            );
        }
        return name;
    }

    /** The folder of model {@code name} below {@code root}; rejects any name that would leave it. */
    public static Path modelDir(Path root, String name) {
        validateName(name);
        Path base = root.toAbsolutePath().normalize();
        Path dir = base.resolve(name).normalize();
        if (dir.startsWith(base) == false || dir.equals(base) || dir.getParent().equals(base) == false) {
            throw new IllegalArgumentException("invalid model name [" + name + "]: resolves outside the models folder");
        }
        return dir;
    }

    /** A file of model {@code name}: one of manifest.json, model.onnx, tokenizer.json. */
    public static Path modelFile(Path root, String name, String file) {
        if (file.equals(ModelManifest.FILE_NAME) == false && file.equals(MODEL_FILE) == false && file.equals(TOKENIZER_FILE) == false) {
            throw new IllegalArgumentException("not a model file [" + file + "]");
        }
        Path dir = modelDir(root, name);
        Path path = dir.resolve(file).normalize();
        if (path.getParent().equals(dir) == false) {
            throw new IllegalArgumentException("invalid model file [" + file + "]");
        }
        return path;
    }
}
