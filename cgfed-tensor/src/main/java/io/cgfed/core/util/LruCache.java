package io.cgfed.core.util;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The project's one bounded cache: at most {@code capacity} entries, the least recently used evicted first,
 * thread-safe (one lock). Written here rather than taken from Caffeine on purpose: Caffeine's W-TinyLFU may
 * refuse to admit a new entry when full (it keeps the frequently used ones), and some of what is cached here
 * must not silently go missing right after it is put (a client's error-feedback residual, a codec version a
 * task is about to use); strict LRU order keeps the newest.
 */
public final class LruCache<K, V> {
    private final Map<K, V> entries;

    public LruCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The value, or null; a hit makes the entry the most recently used. */
    public synchronized V get(K key) {
        return entries.get(key);
    }

    public synchronized void put(K key, V value) {
        entries.put(key, value);
    }

    /**
     * The cached value, or {@code load}'s, cached. {@code load} runs under the cache's lock, so that two
     * callers never load the same key twice; a slow load holds up every caller of this cache meanwhile (as the
     * synchronized maps it replaced did): keep loads that can be slow out of caches shared by hot paths.
     */
    public synchronized V computeIfAbsent(K key, Function<? super K, ? extends V> load) {
        return entries.computeIfAbsent(key, load);
    }

    /** Forgets every entry whose key matches. */
    public synchronized void removeKeysIf(Predicate<? super K> matches) {
        entries.keySet().removeIf(matches);
    }

    public synchronized int size() {
        return entries.size();
    }
}
