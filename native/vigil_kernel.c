/*
 * vigil_kernel: the smallest possible bridge from Node to the socket syscalls vigil needs.
 *
 * Exposes socket(), setsockopt(), bind(), sendto(), close() and a readiness watcher (watch/unwatch)
 * that drains a non-blocking socket with recvmsg() whenever libuv reports it readable.
 *
 * Deliberately NO protocol logic here: sockaddr structures, option values and control messages are
 * opaque byte buffers built and parsed in TypeScript (src/kernel/). Every failing syscall throws an
 * Error whose `code` is the errno name ('EPERM', 'EADDRNOTAVAIL', ...) and whose `errno` is the number.
 *
 * Threading: the addon is used from the main JS thread only; per-environment state (the list of
 * active watchers) lives in napi instance data so worker threads would each get their own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/* Large enough for any IPv4/IPv6 datagram and any single netlink read (dumps are split by the kernel). */
#define RECV_DATA_SIZE 65536
/* Ancillary data: a handful of IP_PKTINFO / IP_TTL / IPV6_* cmsgs fit easily. */
#define RECV_CONTROL_SIZE 1024
/* Upper bound of datagrams delivered per readable event, so one busy socket cannot starve the loop. */
#define RECV_BATCH_MAX 64

#define CHECK(call)                                                                                 \
  do {                                                                                              \
    if ((call) != napi_ok) return NULL;                                                             \
  } while (0)

/* One watched descriptor. Freed from the uv_close callback, never while libuv may still use it. */
struct addon_state;

typedef struct watcher {
  uv_poll_t poll;
  napi_env env;
  struct addon_state *state;
  int fd;
  int closing; /* set by unwatch/close; stops an in-progress drain loop and marks it unlisted */
  napi_ref callback;
  napi_async_context async_context;
  struct watcher *next;
} watcher_t;

typedef struct addon_state {
  watcher_t *watchers;
  /* Watchers allocated and not yet freed (a closing handle still counts until libuv calls back). */
  int open_handles;
  /* Set while the environment is being torn down (worker exit, process exit). */
  napi_async_cleanup_hook_handle cleanup;
  int tearing_down;
  uint8_t data[RECV_DATA_SIZE];
  uint8_t control[RECV_CONTROL_SIZE];
} addon_state_t;

/* ---- errors ------------------------------------------------------------------------------------ */

/* Throw Error(`${syscall}: ${strerror}`) with code = errno name, errno = number, syscall = name. */
static void throw_errno(napi_env env, const char *syscall, int err) {
  char message[256];
  napi_value code, msg, error, errno_value, syscall_value;
  snprintf(message, sizeof message, "%s: %s", syscall, strerror(err));
  /* uv_err_name maps a negated errno to its symbolic name, e.g. -EPERM -> "EPERM". */
  if (napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code) != napi_ok) return;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok) return;
  if (napi_create_error(env, code, msg, &error) != napi_ok) return;
  if (napi_create_int32(env, err, &errno_value) == napi_ok)
    napi_set_named_property(env, error, "errno", errno_value);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) == napi_ok)
    napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
}

/* ---- argument helpers (each throws a TypeError and returns 0 on bad input) ----------------------- */

static int get_int32(napi_env env, napi_value value, const char *what, int32_t *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a number", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  return napi_get_value_int32(env, value, out) == napi_ok;
}

static int get_buffer(napi_env env, napi_value value, const char *what, void **data, size_t *length) {
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a Buffer", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  return napi_get_buffer_info(env, value, data, length) == napi_ok;
}

static int is_nullish(napi_env env, napi_value value) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return 0;
  return type == napi_null || type == napi_undefined;
}

/* Fetch exactly `want` arguments into argv (missing ones read as undefined). */
static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, void **state) {
  size_t argc = want;
  return napi_get_cb_info(env, info, &argc, argv, NULL, state) == napi_ok;
}

/* ---- syscalls ---------------------------------------------------------------------------------- */

/* socket(domain, type, protocol) -> fd; always SOCK_NONBLOCK | SOCK_CLOEXEC. */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  int32_t domain, type, protocol;
  if (!get_args(env, info, 3, argv, NULL)) return NULL;
  if (!get_int32(env, argv[0], "domain", &domain) || !get_int32(env, argv[1], "type", &type) ||
      !get_int32(env, argv[2], "protocol", &protocol))
    return NULL;
  int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    throw_errno(env, "socket", errno);
    return NULL;
  }
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

/* setsockopt(fd, level, name, value): a number is passed as a C int, a Buffer as raw bytes. */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name;
  napi_valuetype type;
  if (!get_args(env, info, 4, argv, NULL)) return NULL;
  if (!get_int32(env, argv[0], "fd", &fd) || !get_int32(env, argv[1], "level", &level) ||
      !get_int32(env, argv[2], "name", &name))
    return NULL;
  CHECK(napi_typeof(env, argv[3], &type));
  int rc;
  if (type == napi_number) {
    int32_t number;
    CHECK(napi_get_value_int32(env, argv[3], &number));
    int value = number;
    rc = setsockopt(fd, level, name, &value, sizeof value);
  } else {
    void *data;
    size_t length;
    if (!get_buffer(env, argv[3], "value", &data, &length)) return NULL;
    rc = setsockopt(fd, level, name, data, (socklen_t)length);
  }
  if (rc < 0) throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* bind(fd, sockaddr): the sockaddr is a Buffer already laid out in kernel format. */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *addr;
  size_t addr_length;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  if (!get_int32(env, argv[0], "fd", &fd) || !get_buffer(env, argv[1], "sockaddr", &addr, &addr_length))
    return NULL;
  if (bind(fd, (const struct sockaddr *)addr, (socklen_t)addr_length) < 0) throw_errno(env, "bind", errno);
  return NULL;
}

/* sendto(fd, data, sockaddr | null, flags) -> bytes sent. Non-blocking: a full queue throws EAGAIN. */
static napi_value js_sendto(napi_env env, napi_callback_info info) {
  napi_value argv[4], result;
  int32_t fd, flags = 0;
  void *data, *addr = NULL;
  size_t length, addr_length = 0;
  if (!get_args(env, info, 4, argv, NULL)) return NULL;
  if (!get_int32(env, argv[0], "fd", &fd) || !get_buffer(env, argv[1], "data", &data, &length)) return NULL;
  if (!is_nullish(env, argv[2]) && !get_buffer(env, argv[2], "sockaddr", &addr, &addr_length)) return NULL;
  if (!is_nullish(env, argv[3]) && !get_int32(env, argv[3], "flags", &flags)) return NULL;
  ssize_t sent;
  do {
    sent = sendto(fd, data, length, flags | MSG_DONTWAIT, (const struct sockaddr *)addr, (socklen_t)addr_length);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    throw_errno(env, "sendto", errno);
    return NULL;
  }
  CHECK(napi_create_int64(env, (int64_t)sent, &result));
  return result;
}

/* ---- watchers ---------------------------------------------------------------------------------- */

static watcher_t *find_watcher(addon_state_t *state, int fd) {
  for (watcher_t *w = state->watchers; w != NULL; w = w->next)
    if (w->fd == fd) return w;
  return NULL;
}

static void on_poll_closed(uv_handle_t *handle) {
  watcher_t *w = (watcher_t *)handle->data;
  addon_state_t *state = w->state;
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->async_context);
  free(w);
  /* The last handle of a dying environment is gone: let Node finish tearing it down. */
  if (--state->open_handles == 0 && state->tearing_down && state->cleanup != NULL) {
    napi_async_cleanup_hook_handle cleanup = state->cleanup;
    state->cleanup = NULL;
    napi_remove_async_cleanup_hook(cleanup);
  }
}

/* Unlink and stop a watcher; the memory is released once libuv has closed the handle. */
static void stop_watcher(addon_state_t *state, watcher_t *w) {
  for (watcher_t **p = &state->watchers; *p != NULL; p = &(*p)->next) {
    if (*p == w) {
      *p = w->next;
      break;
    }
  }
  w->closing = 1;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_poll_closed);
}

/* Call the JS callback with argv inside a proper callback scope; a throw becomes an uncaught exception. */
static void deliver(watcher_t *w, size_t argc, napi_value *argv) {
  napi_env env = w->env;
  napi_value callback, global, ignored;
  if (napi_get_reference_value(env, w->callback, &callback) != napi_ok || callback == NULL) return;
  if (napi_get_global(env, &global) != napi_ok) return;
  if (napi_make_callback(env, w->async_context, global, callback, argc, argv, &ignored) != napi_ok) {
    bool pending = false;
    napi_value exception;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &exception) == napi_ok)
      napi_fatal_exception(env, exception);
  }
}

/* Deliver a socket error as the 4th callback argument (the first three are null). */
static void deliver_error(watcher_t *w, int err) {
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_value argv[4], code, message, errno_value;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_get_null(env, &argv[0]);
  napi_get_null(env, &argv[1]);
  napi_get_null(env, &argv[2]);
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
  if (napi_create_error(env, code, message, &argv[3]) == napi_ok) {
    if (napi_create_int32(env, err, &errno_value) == napi_ok)
      napi_set_named_property(env, argv[3], "errno", errno_value);
    deliver(w, 4, argv);
  }
  napi_close_handle_scope(env, scope);
}

/*
 * Drain with non-blocking recvmsg, one callback per datagram (data, srcSockaddr, control). A pending
 * socket error (e.g. ENOBUFS on a netlink socket: events were lost) is returned by recvmsg once and
 * cleared; it is reported to JS and reading goes on. Returns 1 when anything was read or reported.
 */
static int drain(watcher_t *w, addon_state_t *state) {
  napi_env env = w->env;
  int progressed = 0;
  for (int n = 0; n < RECV_BATCH_MAX && !w->closing; n++) {
    struct sockaddr_storage source;
    struct iovec iov = {.iov_base = state->data, .iov_len = sizeof state->data};
    struct msghdr msg = {
        .msg_name = &source,
        .msg_namelen = sizeof source,
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = state->control,
        .msg_controllen = sizeof state->control,
    };
    ssize_t received = recvmsg(w->fd, &msg, MSG_DONTWAIT);
    int err = errno;
    if (received < 0 && err == EINTR) continue;
    if (received < 0 && (err == EAGAIN || err == EWOULDBLOCK)) return progressed;
    progressed = 1;
    if (received < 0) {
      deliver_error(w, err);
      /* Only errors that a read consumes are worth reading past; anything else ends this round. */
      if (err != ENOBUFS && err != ECONNREFUSED && err != EHOSTUNREACH && err != ENETUNREACH) return progressed;
      continue;
    }
    napi_handle_scope scope;
    napi_value argv[3];
    if (napi_open_handle_scope(env, &scope) != napi_ok) return progressed;
    /* MSG_TRUNC cannot happen with a 64 KiB buffer for IP; copy exactly what was stored. */
    size_t data_length = (size_t)received > sizeof state->data ? sizeof state->data : (size_t)received;
    if (napi_create_buffer_copy(env, data_length, state->data, NULL, &argv[0]) == napi_ok &&
        napi_create_buffer_copy(env, msg.msg_namelen, &source, NULL, &argv[1]) == napi_ok &&
        napi_create_buffer_copy(env, msg.msg_controllen, state->control, NULL, &argv[2]) == napi_ok)
      deliver(w, 3, argv);
    napi_close_handle_scope(env, scope);
  }
  return progressed;
}

/* Readable (or a pending socket error): drain the socket. */
static void on_poll(uv_poll_t *handle, int status, int events) {
  (void)events;
  watcher_t *w = (watcher_t *)handle->data;
  addon_state_t *state;
  if (napi_get_instance_data(w->env, (void **)&state) != napi_ok || state == NULL) return;
  if (status >= 0) {
    drain(w, state);
    return;
  }
  /*
   * libuv reports POLLERR as a status and stops the handle. The error is a pending socket error that
   * recvmsg consumes (and reports): drain, then poll again. If nothing could be read the error is not
   * one a read clears, so report the poll failure and stay stopped rather than spin.
   */
  int progressed = drain(w, state);
  if (w->closing) return;
  if (progressed) {
    int rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
    if (rc < 0) deliver_error(w, -rc);
  } else {
    deliver_error(w, -status);
  }
}

/* watch(fd, callback): start delivering datagrams; replaces an existing watch of the same fd. */
static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2], resource_name;
  int32_t fd;
  napi_valuetype type;
  addon_state_t *state;
  uv_loop_t *loop;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  if (!get_int32(env, argv[0], "fd", &fd)) return NULL;
  CHECK(napi_typeof(env, argv[1], &type));
  if (type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "callback must be a function");
    return NULL;
  }
  CHECK(napi_get_instance_data(env, (void **)&state));
  CHECK(napi_get_uv_event_loop(env, &loop));
  watcher_t *old = find_watcher(state, fd);
  if (old != NULL) stop_watcher(state, old);

  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) {
    throw_errno(env, "watch", ENOMEM);
    return NULL;
  }
  w->env = env;
  w->state = state;
  w->fd = fd;
  if (napi_create_string_utf8(env, "vigil:socket", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok) {
    free(w);
    return NULL;
  }
  if (napi_async_init(env, NULL, resource_name, &w->async_context) != napi_ok) {
    napi_delete_reference(env, w->callback);
    free(w);
    return NULL;
  }
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc < 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->async_context);
    free(w);
    throw_errno(env, "uv_poll_init", -rc);
    return NULL;
  }
  w->poll.data = w;
  state->open_handles++; /* from here on the handle is released through on_poll_closed */
  rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (rc < 0) {
    uv_close((uv_handle_t *)&w->poll, on_poll_closed);
    throw_errno(env, "uv_poll_start", -rc);
    return NULL;
  }
  w->next = state->watchers;
  state->watchers = w;
  return NULL;
}

/* Reads the fd argument and stops its watcher, if any. Returns 0 on failure (as CHECK does). */
static int take_fd_and_unwatch(napi_env env, napi_callback_info info, int32_t *fd) {
  napi_value argv[1];
  addon_state_t *state;
  if (!get_args(env, info, 1, argv, NULL)) return 0;
  if (!get_int32(env, argv[0], "fd", fd)) return 0;
  if (napi_get_instance_data(env, (void **)&state) != napi_ok) return 0;
  watcher_t *w = find_watcher(state, *fd);
  if (w != NULL) stop_watcher(state, w);
  return 1;
}

/* unwatch(fd): stop delivering; a no-op when the fd is not watched. */
static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  int32_t fd;
  take_fd_and_unwatch(env, info, &fd);
  return NULL;
}

/* close(fd): stops any watcher first (libuv must not poll a closed or reused descriptor). */
static napi_value js_close(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!take_fd_and_unwatch(env, info, &fd)) return NULL;
  /* Linux always releases the descriptor, even when close() reports EINTR: never retry. */
  if (close(fd) < 0 && errno != EINTR) throw_errno(env, "close", errno);
  return NULL;
}

/* ---- module ------------------------------------------------------------------------------------ */

/*
 * The environment is going away (worker thread exit or process exit): libuv refuses to close a loop
 * with open handles, so stop and close every watcher and tell Node when the last one is closed.
 */
static void on_env_teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  addon_state_t *state = (addon_state_t *)arg;
  state->cleanup = handle;
  state->tearing_down = 1;
  while (state->watchers != NULL) stop_watcher(state, state->watchers);
  if (state->open_handles == 0) {
    state->cleanup = NULL;
    napi_remove_async_cleanup_hook(handle);
  }
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  /* Runs after on_env_teardown has completed: no watcher refers to the state any more. */
  free(data);
}

static napi_value init(napi_env env, napi_value exports) {
  addon_state_t *state = calloc(1, sizeof *state);
  if (state == NULL) return NULL;
  if (napi_set_instance_data(env, state, free_state, NULL) != napi_ok) {
    free(state);
    return NULL;
  }
  CHECK(napi_add_async_cleanup_hook(env, on_env_teardown, state, NULL));
  napi_property_descriptor properties[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendto", NULL, js_sendto, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
