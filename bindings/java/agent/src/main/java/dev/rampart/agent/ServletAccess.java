package dev.rampart.agent;

import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The servlet API through reflection, for both {@code javax.servlet} and
 * {@code jakarta.servlet}: the agent lives on the bootstrap class path, where neither is
 * visible, and must serve whichever the application brought. Methods are looked up once
 * per request class.
 */
final class ServletAccess {
    private static final ClassValue<ServletAccess> BY_CLASS = new ClassValue<>() {
        @Override
        protected ServletAccess computeValue(Class<?> type) {
            try {
                return new ServletAccess(type);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("not a servlet request: " + type.getName(), e);
            }
        }
    };

    private final Method getMethod;
    private final Method getRequestURI;
    private final Method getQueryString;
    private final Method getPathInfo;
    private final Method getHeaderNames;
    private final Method getHeaders;
    private final Method getHeader;
    private final Method getContentType;
    private final Method getParameterMap;
    private final Method getRemoteAddr;
    private final Method getHttpServletMapping;
    private final Method getPattern;
    /** {@code HttpServletRequest} of the application's servlet API. */
    final Class<?> requestInterface;
    private final Method getContentLength;
    private final Method getInputStream;
    private final Method getCharacterEncoding;
    /** Servlet 3.0+: {@code null} before, where every call of {@code service} is the request's own. */
    private final Method getDispatcherType;
    private final Method getParts;
    private final Method partName;
    private final Method partSubmittedFileName;
    private final Method partContentType;
    private final Method partInputStream;

    private ServletAccess(Class<?> type) throws ReflectiveOperationException {
        ClassLoader loader = type.getClassLoader();
        Class<?> request = load("jakarta", type, loader);
        if (request == null) {
            request = load("javax", type, loader);
        }
        if (request == null) {
            throw new ClassNotFoundException("HttpServletRequest for " + type.getName());
        }
        requestInterface = request;
        getContentLength = request.getMethod("getContentLength");
        getInputStream = request.getMethod("getInputStream");
        getCharacterEncoding = request.getMethod("getCharacterEncoding");
        getMethod = request.getMethod("getMethod");
        getRequestURI = request.getMethod("getRequestURI");
        getQueryString = request.getMethod("getQueryString");
        getPathInfo = request.getMethod("getPathInfo");
        getHeaderNames = request.getMethod("getHeaderNames");
        getHeaders = request.getMethod("getHeaders", String.class);
        getHeader = request.getMethod("getHeader", String.class);
        getContentType = request.getMethod("getContentType");
        getParameterMap = request.getMethod("getParameterMap");
        getRemoteAddr = request.getMethod("getRemoteAddr");
        Method mapping = null;
        Method pattern = null;
        try {
            mapping = request.getMethod("getHttpServletMapping");
            pattern = mapping.getReturnType().getMethod("getPattern");
        } catch (NoSuchMethodException olderThanServlet4) {
            // No route template then; exclusions match the path.
        }
        getHttpServletMapping = mapping;
        getPattern = pattern;
        getDispatcherType = optional(request, "getDispatcherType");
        Method parts = optional(request, "getParts");
        Method submitted = null;
        Class<?> part = null;
        if (parts != null) {
            String prefix = request.getName().substring(0, request.getName().indexOf(".servlet."));
            part = Class.forName(prefix + ".servlet.http.Part", false, loader);
            // Servlet 3.1: a 3.0 container's parts have no client file name, so no uploads.
            submitted = optional(part, "getSubmittedFileName");
        }
        getParts = submitted == null ? null : parts;
        partSubmittedFileName = submitted;
        partName = submitted == null ? null : part.getMethod("getName");
        partContentType = submitted == null ? null : part.getMethod("getContentType");
        partInputStream = submitted == null ? null : part.getMethod("getInputStream");
    }

    private static Method optional(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Class<?> load(String prefix, Class<?> type, ClassLoader loader) {
        try {
            Class<?> c = Class.forName(prefix + ".servlet.http.HttpServletRequest", false, loader);
            return c.isAssignableFrom(type) ? c : null;
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    static ServletAccess of(Class<?> requestClass) {
        return BY_CLASS.get(requestClass);
    }

    String method(Object req) throws ReflectiveOperationException {
        return (String) getMethod.invoke(req);
    }

    String requestUri(Object req) throws ReflectiveOperationException {
        return (String) getRequestURI.invoke(req);
    }

    String queryString(Object req) throws ReflectiveOperationException {
        return (String) getQueryString.invoke(req);
    }

    String pathInfo(Object req) throws ReflectiveOperationException {
        return (String) getPathInfo.invoke(req);
    }

    String header(Object req, String name) throws ReflectiveOperationException {
        return (String) getHeader.invoke(req, name);
    }

    String contentType(Object req) throws ReflectiveOperationException {
        return (String) getContentType.invoke(req);
    }

    String remoteAddr(Object req) throws ReflectiveOperationException {
        return (String) getRemoteAddr.invoke(req);
    }

    /** The body's declared length; -1 when unknown (chunked). */
    int contentLength(Object req) throws ReflectiveOperationException {
        return (Integer) getContentLength.invoke(req);
    }

    String characterEncoding(Object req) throws ReflectiveOperationException {
        return (String) getCharacterEncoding.invoke(req);
    }

    java.io.InputStream inputStream(Object req) throws ReflectiveOperationException {
        return (java.io.InputStream) getInputStream.invoke(req);
    }

    @SuppressWarnings("unchecked")
    Map<String, String[]> parameterMap(Object req) throws ReflectiveOperationException {
        return (Map<String, String[]>) getParameterMap.invoke(req);
    }

    /**
     * Whether this call of {@code service} is the request arriving from the client, not an
     * async, error or include dispatch of a request already seen.
     */
    boolean isClientDispatch(Object req) throws ReflectiveOperationException {
        if (getDispatcherType == null) {
            return true;
        }
        Object type = getDispatcherType.invoke(req);
        return type == null || type.toString().equals("REQUEST");
    }

    /**
     * Each uploaded file of a multipart request (a part with a client file name) as
     * {@code (field, file name, content type, first bytes)}. The container parses the body
     * and keeps its parts: the application's {@code getPart}/{@code getParts} get the same
     * ones. False when the parts are not available: a servlet without a multipart
     * configuration (the container refuses; nothing is read) or a Servlet 3.0 container.
     */
    boolean forEachUpload(Object req, int headLength, UploadSink sink) throws ReflectiveOperationException,
            java.io.IOException {
        if (getParts == null) {
            return false;
        }
        Iterable<?> parts;
        try {
            parts = (Iterable<?>) getParts.invoke(req);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IllegalStateException) {
                return false; // no multipart configuration for this servlet
            }
            throw e;
        }
        if (parts == null) {
            return false;
        }
        for (Object part : parts) {
            String fileName = (String) partSubmittedFileName.invoke(part);
            if (fileName == null) {
                continue; // a form field, among the parameters
            }
            byte[] head;
            try (java.io.InputStream in = (java.io.InputStream) partInputStream.invoke(part)) {
                head = in == null ? new byte[0] : in.readNBytes(headLength);
            }
            if (!sink.accept((String) partName.invoke(part), fileName, (String) partContentType.invoke(part), head)) {
                break;
            }
        }
        return true;
    }

    /** Receives an upload; false to stop. */
    interface UploadSink {
        boolean accept(String field, String fileName, String contentType, byte[] head);
    }

    /** The servlet mapping's pattern ({@code /users/*}), when the container says. */
    String route(Object req) {
        if (getHttpServletMapping == null) {
            return null;
        }
        try {
            Object mapping = getHttpServletMapping.invoke(req);
            return mapping == null ? null : (String) getPattern.invoke(mapping);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    void forEachHeader(Object req, BiConsumer<String, String> sink) throws ReflectiveOperationException {
        Enumeration<?> names = (Enumeration<?>) getHeaderNames.invoke(req);
        while (names != null && names.hasMoreElements()) {
            String name = (String) names.nextElement();
            Enumeration<?> values = (Enumeration<?>) getHeaders.invoke(req, name);
            while (values != null && values.hasMoreElements()) {
                sink.accept(name, (String) values.nextElement());
            }
        }
    }

    /**
     * Replaces whatever the application wrote with the block page; false when the response
     * is already committed (its status line has left).
     */
    static boolean writeBlockPage(Object resp, int status, String contentType, String body)
            throws ReflectiveOperationException, java.io.IOException {
        Class<?> type = resp.getClass();
        if ((Boolean) publicMethod(type, "isCommitted").invoke(resp)) {
            return false;
        }
        publicMethod(type, "reset").invoke(resp);
        publicMethod(type, "setStatus", int.class).invoke(resp, status);
        publicMethod(type, "setContentType", String.class).invoke(resp, contentType);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        publicMethod(type, "setContentLength", int.class).invoke(resp, bytes.length);
        OutputStream out = (OutputStream) publicMethod(type, "getOutputStream").invoke(resp);
        out.write(bytes);
        out.flush();
        return true;
    }

    /** A public method callable through an interface (the class itself may not be public). */
    private static Method publicMethod(Class<?> type, String name, Class<?>... parameters)
            throws NoSuchMethodException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                Method m = interfaceMethod(i, name, parameters);
                if (m != null) {
                    return m;
                }
            }
        }
        return type.getMethod(name, parameters);
    }

    private static Method interfaceMethod(Class<?> iface, String name, Class<?>... parameters) {
        if (java.lang.reflect.Modifier.isPublic(iface.getModifiers())) {
            try {
                return iface.getMethod(name, parameters);
            } catch (NoSuchMethodException e) {
                // Look further up.
            }
        }
        for (Class<?> parent : iface.getInterfaces()) {
            Method m = interfaceMethod(parent, name, parameters);
            if (m != null) {
                return m;
            }
        }
        return null;
    }
}
