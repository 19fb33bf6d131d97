/*
 * Tests for http/hx_http_not_modified_filter_module.c: the entity tag
 * list comparison of If-Match (strong) and If-None-Match (weak).
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>

#include <criterion/criterion.h>


static hx_uint_t
match(const char *list, const char *etag, hx_uint_t weak)
{
    hx_str_t  l, e;

    l.data = (uint8_t *) list;
    l.len = strlen(list);
    e.data = (uint8_t *) etag;
    e.len = strlen(etag);

    return hx_http_etag_match(&l, &e, weak);
}


Test(etag_match, the_same_tag)
{
    cr_assert(match("\"abc\"", "\"abc\"", 0));
    cr_assert_not(match("\"abd\"", "\"abc\"", 0));
    cr_assert_not(match("\"abc", "\"abc\"", 0));
}


Test(etag_match, lists_and_spaces)
{
    cr_assert(match("\"x\", \"abc\"", "\"abc\"", 0));
    cr_assert(match("\"x\",\"abc\" , \"y\"", "\"abc\"", 0));
    cr_assert_not(match("\"x\", \"abcd\"", "\"abc\"", 0));
}


Test(etag_match, star_matches_any_tag)
{
    cr_assert(match("*", "\"abc\"", 0));
    cr_assert(match("*", "", 1));
}


Test(etag_match, weak_tags_only_in_weak_comparison)
{
    cr_assert(match("W/\"abc\"", "\"abc\"", 1));
    cr_assert(match("\"abc\"", "W/\"abc\"", 1));
    cr_assert_not(match("W/\"abc\"", "\"abc\"", 0));
}


Test(etag_match, no_tag_matches_nothing_but_star)
{
    cr_assert_not(match("\"abc\"", "", 0));
}
