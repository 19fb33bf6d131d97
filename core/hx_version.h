/*
 * hanx's own version, and the nginx release whose behaviour it follows:
 * tools that parse "nginx -V" and $nginx_version see the latter.
 */

#ifndef HX_CORE_HX_VERSION_H
#define HX_CORE_HX_VERSION_H


#define HANX_VERSION              "0.1.0"
#define HANX_VER                  "hanx/" HANX_VERSION

#define HX_NGINX_VERSION          "1.30.0"
#define HX_NGINX_VER              "nginx/" HX_NGINX_VERSION
#define HX_NGINX_VERSION_NUMBER   1030000

#endif /* HX_CORE_HX_VERSION_H */
