package org.opensearch.binaryembeddings.mapper;

import java.util.Map;
import java.util.Set;

/** Checks the shape of object-valued mapping parameters. */
final class MappingObjects {

    private MappingObjects() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(String parameter, Object o, String... allowedKeys) {
        if (o instanceof Map<?, ?> == false) {
            throw new IllegalArgumentException("[" + parameter + "] must be an object, got [" + o + "]");
        }
        Map<String, Object> map = (Map<String, Object>) o;
        Set<String> allowed = Set.of(allowedKeys);
        for (String key : map.keySet()) {
            if (allowed.contains(key) == false) {
                throw new IllegalArgumentException(
                    "unknown parameter [" + parameter + "." + key + "]; allowed: " + String.join(", ", allowedKeys)
                );
            }
        }
        return map;
    }
}
