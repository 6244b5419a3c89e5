package io.cgfed.core.protocol;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories a spec may name files under ({@code CGFED_DATA_ROOTS} for datasets,
 * {@code CGFED_MODEL_ROOTS} for checkpoints): an absolute path is allowed only when it lies inside one of
 * them once {@code ..} is resolved and, where it exists on this machine, every symbolic link is followed
 * ({@link Path#toRealPath}), so neither {@code ../../etc/passwd} nor a link out of a root gets through.
 * No roots, no files: a spec naming a path is then refused, and the reason says which variable to set.
 * Messages name the field and the roots, never anything the file holds.
 */
public final class PathRoots {
    private final String variable;
    private final List<Path> roots;

    private PathRoots(String variable, List<Path> roots) {
        this.variable = variable;
        this.roots = roots;
    }

    /**
     * Roots from a list separated by commas or the platform's path separator ({@code :} on Linux); each
     * must be absolute. {@code variable} is what the operator sets, for the messages.
     */
    public static PathRoots parse(String variable, String list) {
        List<Path> roots = new ArrayList<>();
        if (list != null) {
            for (String part : list.split("[," + File.pathSeparator + "]")) {
                String p = part.strip();
                if (p.isEmpty()) {
                    continue;
                }
                Path root = Path.of(p);
                if (!root.isAbsolute()) {
                    throw new IllegalArgumentException(variable + ": root '" + p + "' is not an absolute path");
                }
                Path real = real(root.normalize());
                roots.add(real == null ? root.normalize() : real);
            }
        }
        return new PathRoots(variable, List.copyOf(roots));
    }

    public List<Path> roots() {
        return roots;
    }

    /**
     * The path, resolved, when it lies inside a root; otherwise an {@link IllegalArgumentException} whose
     * message names the roots (the caller adds the field).
     */
    public Path require(String path) {
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("is not a valid path");
        }
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException("must be an absolute path inside " + describe());
        }
        Path resolved = real(p.normalize());
        if (resolved == null) {
            throw new IllegalArgumentException("cannot be resolved (a link to nothing?)");
        }
        for (Path root : roots) {
            if (resolved.startsWith(root)) {
                return resolved;
            }
        }
        throw new IllegalArgumentException(roots.isEmpty()
                ? "names a file, and no directory is allowed: set " + variable + " (a list of directories) to allow some"
                : "lies outside the allowed directories " + describe() + " (after resolving '..' and links)");
    }

    private String describe() {
        return roots.isEmpty() ? "(none: set " + variable + ")" : roots + " (" + variable + ")";
    }

    /**
     * The real path (links followed) of what exists; for what does not, the real path of its deepest
     * existing ancestor with the rest appended, so a link anywhere above it is followed too; null for a
     * link that leads nowhere.
     */
    private static Path real(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return p;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(p)).normalize();
        } catch (IOException e) {
            return null;
        }
    }
}
