package wechatpay_test

// The reference's self-made test vectors (wechatpay-busifavor.md §7.5),
// copied byte for byte.

const (
	r1Body = `{"coupon_code":"1234567890123456789012","stock_id":"1212","appid":"wx1234567890abcdef","use_time":"2023-11-15T06:13:20+08:00","use_request_no":"USE20231115000001","openid":"oTestOpenid0000000000000001"}`
	r1Sig  = "pU1FiUQ97Jp5aUU0zCWU3rKqOWpVfdpWaVt5MKEynNqdM3kvQcr6Z0uwR7dyUu1sXZhzgRhEpqBiEzkhe2zVTq8XsUe85MbgLRzQ90i4b35pMbnT1WsTHlyY4r2ZOWmsg2u0ZYX7a90P3TXgouktvHx2cDXc02bpRzDM7gFXw3HYc9pPqBzHL8x/m8Kr0gVgbNUvFtduNXbeI21t/7Bc84i9YPfbPARIPEDcK78uQS4pjVuL569P/s3TCAHE3Wy+TKRzCHuYNCMRWzs4EAv/Ht+VWzLlMUsT4d+tiZQjdpeM91xBCVBmD3bDKkJZTDVgEzYBW7DfsBzAyCMl7SIG2g=="
	r2Sig  = "H6reUcuqEoa/IPFKLSGvEd4wrEpbImQcC1JNbNFGKXcWlW3fXTxsmLK5mNiDNerLFK6jiAFAxiB7UOf7+lz+YSNuz2FQKhnmBkYKbdikD+tBz4xr2ZyxEcFAbjmIhDWMr+5W2qZKX6+MMG/yRsY/WwQnuyfwFmLuKCGKIQJRdlnrMcxCNSlB7SgC31W8x+bGiTMWgZhecv8RNuwm/oky1xKJuxS9IafeSAuKFJfmPD3gjsjd8wTkuVD19hKgVWCz1k7vcg+hrgbADQ3D+gqH0HcGlQEHTy21KJHgFyFyAgMhDFgKkQ9wgcQbpWxwqhh1NOTjcfikOQqi7kn0nHd/bA=="
	s1Body = `{"stock_id":"1212","openid":"oTestOpenid0000000000000001","wechatpay_use_time":"2023-11-15T06:13:21+08:00"}`
	s1Sig  = "osI1ePj4qBptZpPgASMFHwia6xliUW2uh5TMB5msPyoLUO9tEuBdpS0fgCOe0Ivc6N0MJUo+vdI9go0hsJ4ARnpYbWZjDArOdwChiazmXyueHrnaNwlKVFFWwm1khy3s5FemGZHP4JGDCMaHyDUUGY6BgP5YfCUhtrSzSzIJBT44RL8zeKrcANSa5Lvc2NnCSDioN1QezK7smlu8wbGFo1LGUjTToE+tOnNNdGABYcG8DW3FHOSHg0jICCj44SStEp0y70UkLMJD7rts6cHcYAXiPLAvzeEOkQVgPCpNL0p2P2UFaVZ7V91iENakQdqeDmxlwdTNul75o7Nu7ZYd0w=="

	n1Plain      = `{"event_type":"EVENT_TYPE_BUSICOUPON_SEND","coupon_code":"1234567890123456789012","stock_id":"1212","send_time":"2023-11-15T06:13:20+08:00","openid":"oTestOpenid0000000000000001","send_channel":"BUSICOUPON_SEND_CHANNEL_MINIAPP","send_merchant":"1900000001"}`
	n1Ciphertext = "Apyr7ek21H0FG0HwTgPf7ZIzZmt8XVUEoff0sJEfQXnehPVkXqLxXioJXc4N8t8QxvIu1AkW8rhUNQcSyNH5sx1XebzRQdldGECXqzNswp1sesrZBf0AlGSY0U2CajzQAzprLtnaWdYowRQU7NoPks3Uvx+M+Smyv9j+NaAzyNK3Mtle/nojegcRQOIY2L3El5ZGFHFq8V2li2fH98RXrgJ0eVIVC6BcF0m4nfJKjAlfk7p/fzOOn8JeEFiH3TUBcNUtOLaXl3U8nkhJoqw83qZ1FtVmfPjkEBC8zcakSA/hIGGL1y3S0qxXcILmSAb/LXb4ETyQ1+Pqg2GATkpnWxYR3FYJfuI6AwW61uz3XTjc"
	n1Body       = `{"id":"8b33f79f-0000-5ae5-b41b-3c0b59f957d0","create_time":"2023-11-15T06:13:22+08:00","resource_type":"encrypt-resource","event_type":"COUPON.SEND","summary":"商家券领券通知","resource":{"original_type":"coupon","algorithm":"AEAD_AES_256_GCM","ciphertext":"Apyr7ek21H0FG0HwTgPf7ZIzZmt8XVUEoff0sJEfQXnehPVkXqLxXioJXc4N8t8QxvIu1AkW8rhUNQcSyNH5sx1XebzRQdldGECXqzNswp1sesrZBf0AlGSY0U2CajzQAzprLtnaWdYowRQU7NoPks3Uvx+M+Smyv9j+NaAzyNK3Mtle/nojegcRQOIY2L3El5ZGFHFq8V2li2fH98RXrgJ0eVIVC6BcF0m4nfJKjAlfk7p/fzOOn8JeEFiH3TUBcNUtOLaXl3U8nkhJoqw83qZ1FtVmfPjkEBC8zcakSA/hIGGL1y3S0qxXcILmSAb/LXb4ETyQ1+Pqg2GATkpnWxYR3FYJfuI6AwW61uz3XTjc","associated_data":"coupon","nonce":"fYq3Zc8LmN2p"}}`
	n1Sig        = "cLULO/uloL9JDHJx5blRp3D2too82NJtj2VIjYwgo2mXLAcZ8Py5pFc9WOoqG0eNfXJoNUw53GnyhlXriB2Ay0UUuw1fzczt6kcKWbSJSAwPFzDT5V3bUckGj4fRVZm0nPtBaWQRk7caf/f4823pR/Tw5CXe/klveyB8SfUVsiTuZkHBR2rDpvdC8bbu9+/lAqdNgfHm50uSl0rMhuzzRgfhOTeQYNuweUjIsTlclp32gqamZKqG2zlsqvRe2/bdmsCbf146xqVOk0aqbVjObgceRlFtWxyjx9efJ79TEBwRYI74Uu+oZ1DN2s4k4KbPVrkCwxY4T6X/9atdYwUIhQ=="
)
