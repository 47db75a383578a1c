/*
 * The control socket's one check of what a control client sends
 * (med_ctl_request_valid()) and of what the tool accepts
 * (med_ctl_reply_valid()), on good and hostile packets.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mediator/control.h"

static struct med_ctl_request request(uint32_t op, uint32_t id, uint32_t weight, uint32_t cap)
{
    return (struct med_ctl_request){ .version = MED_CTL_VERSION, .op = op, .vgpu_id = id,
                                     .weight = weight, .cap_percent = cap };
}

static void expect(struct med_ctl_request r, const char *why_expected)
{
    const char *why = NULL;
    bool valid = med_ctl_request_valid(&r, sizeof(r), &why);

    if (why_expected) {
        assert_false(valid);
        assert_string_equal(why, why_expected);
    } else {
        assert_true(valid);
    }
}

static void test_requests(void **state)
{
    struct med_ctl_request r = request(MED_CTL_STATS, 0, 0, 0);
    uint8_t longer[sizeof(r) + 1] = { 0 };
    const char *why;

    (void)state;
    expect(request(MED_CTL_STATS, 0, 0, 0), NULL);
    expect(request(MED_CTL_TYPES, 0, 0, 0), NULL);
    expect(request(MED_CTL_SET_SHARE, 3, 8, 0), NULL);
    expect(request(MED_CTL_SET_SHARE, 3, 0, 25), NULL);
    expect(request(MED_CTL_SET_SHARE, 3, 100, 100), NULL);
    expect(request(MED_CTL_STATS, 1, 0, 0), "arguments given to a query");
    expect(request(MED_CTL_TYPES, 0, 0, 5), "arguments given to a query");
    expect(request(MED_CTL_SET_SHARE, 0, 8, 0), "no vGPU id");
    expect(request(MED_CTL_SET_SHARE, 3, 0, 0), "neither a weight nor a cap to set");
    expect(request(MED_CTL_SET_SHARE, 3, 101, 0), "weight above 100");
    expect(request(MED_CTL_SET_SHARE, 3, 0, 101), "cap above 100 %");
    expect(request(0, 0, 0, 0), "unknown operation");
    expect(request(4, 0, 0, 0), "unknown operation");
    r.version = MED_CTL_VERSION + 1;
    expect(r, "unsupported control protocol version");
    r = request(MED_CTL_STATS, 0, 0, 0);
    r.reserved = 1;
    expect(r, "reserved field not zero");
    memcpy(longer, &r, sizeof(r));
    assert_false(med_ctl_request_valid(longer, sizeof(longer), &why));
    assert_string_equal(why, "not a request (wrong size)");
    assert_false(med_ctl_request_valid(longer, sizeof(r) - 4, &why));
}

static void test_replies(void **state)
{
    struct med_ctl_reply r = { .kind = MED_CTL_VGPU };

    (void)state;
    assert_true(med_ctl_reply_valid(&r, sizeof(r)));
    assert_false(med_ctl_reply_valid(&r, sizeof(r) - 8));
    memset(r.u.vgpu.vm_name, 'a', sizeof(r.u.vgpu.vm_name));   /* not terminated */
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
    r = (struct med_ctl_reply){ .kind = MED_CTL_END, .status = -2 };
    assert_true(med_ctl_reply_valid(&r, sizeof(r)));
    r.status = 1;
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
    r = (struct med_ctl_reply){ .kind = 9 };
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
}

static void test_control_path(void **state)
{
    char path[108], long_socket[120];

    (void)state;
    assert_int_equal(med_ctl_path("/run/gpumed/gpumed.sock", path, sizeof(path)), 0);
    assert_string_equal(path, "/run/gpumed/gpumed.sock.control");
    memset(long_socket, 'x', sizeof(long_socket) - 1);
    long_socket[sizeof(long_socket) - 1] = '\0';
    long_socket[100] = '\0';    /* fits a socket address, its .control does not */
    assert_int_equal(med_ctl_path(long_socket, path, sizeof(path)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_control_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
