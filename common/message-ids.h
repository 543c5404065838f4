/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every journal MESSAGE_ID we emit, generated once and never reused; explained in packaging/vnettune.catalog. */
#pragma once

/* As 32 lower-case hex digits, the form sd_journal_send() takes after "MESSAGE_ID=". */
#define VNT_MESSAGE_SETTING_CHANGED   "f1ee0164bbea47c792e535557f60671f"
#define VNT_MESSAGE_SETTING_FAILED    "434d41bc9d4b4dc98fac27fbaba82264"
#define VNT_MESSAGE_SETTING_REFUSED   "19dfaad579b14fa384bc6aa2f9ebe477"
#define VNT_MESSAGE_DRIFT             "b594a1fd17a7482897bb1fb50fde89bc"
#define VNT_MESSAGE_REVERTED          "e55ca2aec44f4ef5896e0948c5a8aec4"
#define VNT_MESSAGE_CONFIG_BAD        "11984efed6064d1dbc8e0230b88103c2"
#define VNT_MESSAGE_LINK_MANAGED      "0ca734a81be64de588a13dc47bbdb673"
#define VNT_MESSAGE_LINK_GONE         "a0211ba0a2304b8186bc642abcc9c6e3"
#define VNT_MESSAGE_VM_FOUND          "5e13c983fb4b4f6b8929254adf870c90"
#define VNT_MESSAGE_VM_GONE           "1eef7360ec044e579ff99129e8162cb2"
#define VNT_MESSAGE_HOST_TIER         "f2c31b55c5a441f09ce072e601f9e3f4"

/* Name/ID table for the catalog consistency test. */
#define VNT_MESSAGE_IDS_TABLE                                           \
        { "SETTING_CHANGED", VNT_MESSAGE_SETTING_CHANGED },            \
        { "SETTING_FAILED", VNT_MESSAGE_SETTING_FAILED },              \
        { "SETTING_REFUSED", VNT_MESSAGE_SETTING_REFUSED },            \
        { "DRIFT", VNT_MESSAGE_DRIFT },                                \
        { "REVERTED", VNT_MESSAGE_REVERTED },                          \
        { "CONFIG_BAD", VNT_MESSAGE_CONFIG_BAD },                      \
        { "LINK_MANAGED", VNT_MESSAGE_LINK_MANAGED },                  \
        { "LINK_GONE", VNT_MESSAGE_LINK_GONE },                        \
        { "VM_FOUND", VNT_MESSAGE_VM_FOUND },                          \
        { "VM_GONE", VNT_MESSAGE_VM_GONE },                            \
        { "HOST_TIER", VNT_MESSAGE_HOST_TIER },
