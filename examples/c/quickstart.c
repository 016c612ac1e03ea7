/*
 * quickstart.c: the cloud-connect C API end to end against the simulators.
 *
 * Connects a (simulated) self-managed cluster to (simulated) Elastic Cloud, reads its status,
 * enables EIS, rotates the cluster key and the EIS key, syncs the license, reconciles and
 * disconnects, checking the status of every call; then checks the error paths: NULL arguments,
 * malformed configuration, an empty API key. Prints "quickstart: N passed, M failed" and exits 0
 * only when every check passed.
 *
 * Usage: quickstart SIMULATOR_JSON STORE_PATH
 *   SIMULATOR_JSON  the line cloud-connect-sim prints:
 *                   {"cloud_url":...,"es_url":...,"org_api_key":...,"es_authorization":...}
 *   STORE_PATH      where the encrypted connection record is kept (a fresh path)
 *
 * Build (see bindings/c/scripts/test.sh):
 *   gcc -Wall -Wextra -Werror -I bindings/c/include examples/c/quickstart.c \
 *       target/debug/libcloud_connect.a -lpthread -ldl -lm -o quickstart
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud_connect.h"

/* Any 32+ characters; a real program reads it from its own secret configuration. */
#define ENCRYPTION_KEY "quickstart-encryption-key-0123456789abcdef"

static int passed = 0;
static int failed = 0;

static void check(int ok, const char *what) {
    if (ok) {
        passed++;
        printf("  ok    %s\n", what);
    } else {
        failed++;
        printf("  FAIL  %s\n", what);
    }
}

/* Checks that a call returned `want`; on a mismatch prints the handle's (or thread's) last error. */
static void check_status(const char *what, cc_status got, cc_status want, const cc_client *client) {
    char label[512];
    snprintf(label, sizeof label, "%s -> %s", what, cc_status_name(want));
    check(got == want, label);
    if (got != want) {
        char *message = NULL;
        if (client != NULL) {
            cc_client_last_error(client, &message);
        } else {
            cc_last_error(&message);
        }
        printf("        got %s (%u): %s\n", cc_status_name(got), (unsigned)got,
               message != NULL ? message : "(no message)");
        cc_string_free(message);
    }
}

/* Checks that `text` (a JSON result or a message) contains `needle`. */
static void check_contains(const char *what, const char *text, const char *needle) {
    char label[512];
    snprintf(label, sizeof label, "%s contains %s", what, needle);
    check(text != NULL && strstr(text, needle) != NULL, label);
    if (text != NULL && strstr(text, needle) == NULL) {
        printf("        was: %s\n", text);
    }
}

/* Checks the handle's last error: its status and a piece of its message. */
static void check_last_error(const cc_client *client, cc_status want, const char *needle) {
    char *message = NULL;
    cc_status last = client != NULL ? cc_client_last_error(client, &message) : cc_last_error(&message);
    check_status("  last error", last, want, NULL);
    check_contains("  last error message", message, needle);
    cc_string_free(message);
}

/*
 * Copies the string value of "key" from a flat JSON object into `out`. Minimal on purpose (the
 * simulator prints plain strings); escapes are copied without their backslash.
 */
static int json_string_field(const char *json, const char *key, char *out, size_t out_size) {
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = strstr(json, pattern);
    if (p == NULL) return 0;
    p = strchr(p + strlen(pattern), ':');
    if (p == NULL) return 0;
    p = strchr(p, '"');
    if (p == NULL) return 0;
    p++;
    size_t n = 0;
    while (*p != '\0' && *p != '"' && n + 1 < out_size) {
        if (*p == '\\' && p[1] != '\0') p++;
        out[n++] = *p++;
    }
    out[n] = '\0';
    return *p == '"';
}

static char cloud_url[256], es_url[256], org_api_key[512], es_authorization[512];

static void make_config(char *out, size_t size, const char *store_path, const char *encryption_key) {
    snprintf(out, size,
             "{\"cloud_url\":\"%s\",\"encryption_key\":\"%s\",\"store_path\":\"%s\","
             "\"es_url\":\"%s\",\"es_authorization\":\"%s\",\"request_timeout_ms\":10000}",
             cloud_url, encryption_key, store_path, es_url, es_authorization);
}

/* Construction errors: there is no handle, so cc_last_error describes them. */
static void config_errors(const char *store_path) {
    char config[4096];
    cc_client *client = (cc_client *)1; /* must be overwritten with NULL */

    printf("\nConfiguration errors\n");
    check_status("cc_client_new(NULL config)", cc_client_new(NULL, &client), CC_STATUS_NULL_PARAMETER, NULL);
    check(client == NULL, "client_out is NULL after a failure");
    check_last_error(NULL, CC_STATUS_NULL_PARAMETER, "config_json");

    make_config(config, sizeof config, store_path, ENCRYPTION_KEY);
    check_status("cc_client_new(NULL client_out)", cc_client_new(config, NULL), CC_STATUS_NULL_PARAMETER, NULL);

    check_status("cc_client_new(malformed JSON)", cc_client_new("{\"cloud_url\": oops", &client),
                 CC_STATUS_INVALID_INPUT, NULL);
    check_last_error(NULL, CC_STATUS_INVALID_INPUT, "not valid JSON");

    check_status("cc_client_new(unknown field)", cc_client_new("{\"encryption_Key\":\"x\"}", &client),
                 CC_STATUS_INVALID_INPUT, NULL);
    check_last_error(NULL, CC_STATUS_INVALID_INPUT, "encryption_Key");

    check_status("cc_client_new(invalid UTF-8)", cc_client_new("{\"store_path\":\"\xff\"}", &client),
                 CC_STATUS_INVALID_UTF8, NULL);

    snprintf(config, sizeof config, "{\"store_path\":\"%s\",\"es_url\":\"%s\"}", store_path, es_url);
    check_status("cc_client_new(no encryption key)", cc_client_new(config, &client),
                 CC_STATUS_ENCRYPTION_KEY_MISSING, NULL);

    make_config(config, sizeof config, store_path, "too-short");
    check_status("cc_client_new(short encryption key)", cc_client_new(config, &client),
                 CC_STATUS_INVALID_INPUT, NULL);
    check(client == NULL, "no handle after failures");
}

/* Argument errors on a live handle. */
static void argument_errors(cc_client *client) {
    char *json = (char *)1; /* must be overwritten with NULL */
    char *message = NULL;

    printf("\nArgument errors\n");
    check_status("cc_client_connect(NULL client)", cc_client_connect(NULL, org_api_key, &json),
                 CC_STATUS_NULL_PARAMETER, NULL);
    check_status("cc_client_connect(NULL api_key)", cc_client_connect(client, NULL, &json),
                 CC_STATUS_NULL_PARAMETER, client);
    check(json == NULL, "json_out is NULL after a failure");
    check_last_error(client, CC_STATUS_NULL_PARAMETER, "api_key");
    check_status("cc_client_connect(NULL json_out)", cc_client_connect(client, org_api_key, NULL),
                 CC_STATUS_NULL_PARAMETER, client);
    check_status("cc_client_connect(empty API key)", cc_client_connect(client, "", &json),
                 CC_STATUS_INVALID_INPUT, client);
    check_last_error(client, CC_STATUS_INVALID_INPUT, "empty");
    check_status("cc_client_status(NULL json_out)", cc_client_status(client, NULL), CC_STATUS_NULL_PARAMETER,
                 client);
    check_status("cc_client_update_services(NULL changes)", cc_client_update_services(client, NULL, &json),
                 CC_STATUS_NULL_PARAMETER, client);
    check_status("cc_client_rotate_service_key(NULL name)", cc_client_rotate_service_key(client, NULL, &json),
                 CC_STATUS_NULL_PARAMETER, client);
    check_status("cc_client_sync_license(NULL uid)", cc_client_sync_license(client, "platinum", NULL, &json),
                 CC_STATUS_NULL_PARAMETER, client);
    check_status("cc_client_disconnect(NULL client)", cc_client_disconnect(NULL, &json), CC_STATUS_NULL_PARAMETER,
                 NULL);
    check_status("cc_client_reconcile(NULL client)", cc_client_reconcile(NULL, &json), CC_STATUS_NULL_PARAMETER,
                 NULL);
    check_status("cc_client_rotate_cluster_key(NULL client)", cc_client_rotate_cluster_key(NULL, &json),
                 CC_STATUS_NULL_PARAMETER, NULL);
    check_status("cc_client_last_error(NULL client)", cc_client_last_error(NULL, &message),
                 CC_STATUS_NULL_PARAMETER, NULL);
    check_status("cc_client_last_error(NULL message_out)", cc_client_last_error(client, NULL),
                 CC_STATUS_NULL_PARAMETER, NULL);
    check_status("cc_last_error(NULL message_out)", cc_last_error(NULL), CC_STATUS_NULL_PARAMETER, NULL);
    cc_string_free(message);
}

/* The main job: connect, status, enable EIS, rotate, disconnect. */
static void lifecycle(cc_client *client) {
    char *json = NULL;
    char cluster_id[128] = "";
    cc_status status;

    printf("\nBefore connecting\n");
    check_status("cc_client_status", cc_client_status(client, &json), CC_STATUS_NOT_CONNECTED, client);
    check_last_error(client, CC_STATUS_NOT_CONNECTED, "not connected");

    printf("\nConnect with an organization API key\n");
    status = cc_client_connect(client, org_api_key, &json);
    check_status("cc_client_connect", status, CC_STATUS_OK, client);
    check_contains("connect result", json, "\"cluster_id\":\"");
    if (json != NULL) json_string_field(json, "cluster_id", cluster_id, sizeof cluster_id);
    printf("        connected as Cloud cluster %s\n", cluster_id);
    cc_string_free(json);
    json = NULL;
    check_last_error(client, CC_STATUS_OK, "");

    check_status("cc_client_connect again", cc_client_connect(client, org_api_key, &json),
                 CC_STATUS_ALREADY_CONNECTED, client);

    printf("\nStatus\n");
    status = cc_client_status(client, &json);
    check_status("cc_client_status", status, CC_STATUS_OK, client);
    check_contains("status result", json, cluster_id[0] != '\0' ? cluster_id : "\"cluster\"");
    cc_string_free(json);
    json = NULL;

    printf("\nEnable EIS\n");
    status = cc_client_update_services(client, "{\"eis\":true}", &json);
    check_status("cc_client_update_services({\"eis\":true})", status, CC_STATUS_OK, client);
    check_contains("update result", json, "\"changed\":[\"eis\"]");
    cc_string_free(json);
    json = NULL;
    check_status("cc_client_update_services(unknown service)",
                 cc_client_update_services(client, "{\"search\":true}", &json), CC_STATUS_INVALID_INPUT, client);
    check_status("cc_client_update_services(malformed JSON)", cc_client_update_services(client, "{eis", &json),
                 CC_STATUS_INVALID_INPUT, client);

    printf("\nRotate keys\n");
    status = cc_client_rotate_cluster_key(client, &json);
    check_status("cc_client_rotate_cluster_key", status, CC_STATUS_OK, client);
    check_contains("cluster rotation result", json, "\"rotated\":\"cluster\"");
    cc_string_free(json);
    json = NULL;
    status = cc_client_rotate_service_key(client, "eis", &json);
    check_status("cc_client_rotate_service_key(\"eis\")", status, CC_STATUS_OK, client);
    check_contains("EIS rotation result", json, "\"rotated\":\"eis\"");
    cc_string_free(json);
    json = NULL;
    check_status("cc_client_rotate_service_key(\"auto_ops\")", cc_client_rotate_service_key(client, "auto_ops", &json),
                 CC_STATUS_INVALID_INPUT, client);

    printf("\nLicense and reconcile\n");
    status = cc_client_sync_license(client, "platinum", "c1a2b3c4-0000-4000-8000-quickstart", &json);
    check_status("cc_client_sync_license", status, CC_STATUS_OK, client);
    check_contains("license result", json, "\"updated\":");
    cc_string_free(json);
    json = NULL;
    status = cc_client_reconcile(client, &json);
    check_status("cc_client_reconcile", status, CC_STATUS_OK, client);
    check_contains("reconcile result", json, "\"actions\":");
    cc_string_free(json);
    json = NULL;

    printf("\nDisconnect\n");
    status = cc_client_disconnect(client, &json);
    check_status("cc_client_disconnect", status, CC_STATUS_OK, client);
    check_contains("disconnect result", json, "\"eis_key_removed\":true");
    cc_string_free(json);
    json = NULL;
    check_status("cc_client_status after disconnect", cc_client_status(client, &json), CC_STATUS_NOT_CONNECTED,
                 client);
    check_status("cc_client_disconnect again", cc_client_disconnect(client, &json), CC_STATUS_NOT_CONNECTED, client);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SIMULATOR_JSON STORE_PATH\n", argv[0]);
        return 2;
    }
    const char *sim = argv[1];
    const char *store_path = argv[2];
    if (!json_string_field(sim, "cloud_url", cloud_url, sizeof cloud_url) ||
        !json_string_field(sim, "es_url", es_url, sizeof es_url) ||
        !json_string_field(sim, "org_api_key", org_api_key, sizeof org_api_key) ||
        !json_string_field(sim, "es_authorization", es_authorization, sizeof es_authorization)) {
        fprintf(stderr, "cannot read the simulator's addresses from: %s\n", sim);
        return 2;
    }

    printf("cloud-connect C quickstart (library %s, header %s)\n", cc_version(), CLOUD_CONNECT_VERSION);
    check(strcmp(cc_version(), CLOUD_CONNECT_VERSION) == 0, "library version matches the header");
    check(strcmp(cc_status_name(CC_STATUS_NOT_CONNECTED), "not_connected") == 0,
          "cc_status_name(CC_STATUS_NOT_CONNECTED) is \"not_connected\"");
    check(strcmp(cc_status_name(123456), "unknown") == 0, "cc_status_name of an unknown number is \"unknown\"");

    config_errors(store_path);

    char config[4096];
    cc_client *client = NULL;
    make_config(config, sizeof config, store_path, ENCRYPTION_KEY);
    check_status("cc_client_new", cc_client_new(config, &client), CC_STATUS_OK, NULL);
    if (client == NULL) {
        printf("quickstart: %d passed, %d failed\n", passed, failed + 1);
        return 1;
    }

    argument_errors(client);
    lifecycle(client);

    cc_client_free(client);
    cc_client_free(NULL); /* a no-op */
    cc_string_free(NULL); /* a no-op */

    printf("\nquickstart: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
