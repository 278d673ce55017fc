// Package wechatpaytest holds the fixed, self-made keys of the WeChat Pay
// reference's test vectors (wechatpay-busifavor.md §7.5): a merchant API key
// pair and the "WeChat Pay" key pair with its 微信支付公钥 id. The client's
// tests, the emulator and sandbox mode share them; they are public test
// material and must never be used for a real merchant.
package wechatpaytest

const (
	// MchID is the vectors' merchant number.
	MchID = "1900000001"
	// MerchantSerial is the serial of the vectors' merchant API certificate.
	MerchantSerial = "5A1C0F7D3E2B4A6980C1D2E3F40516273849ABCD"
	// PublicKeyID is the id of the vectors' 微信支付公钥.
	PublicKeyID = "PUB_KEY_ID_0100000000000000000000000001"
	// APIv3Key is the vectors' APIv3 key (32 bytes, used raw).
	APIv3Key = "TestAPIv3Key0123456789abcdefABCD"
	// APIv2Key is the vectors' APIv2 key (HMAC-SHA256 of the plugin sign).
	APIv2Key = "abcdefghijklmnopqrstuvwxyz012345"
)

// MerchantPrivateKeyPEM signs requests (PKCS#8, as apiclient_key.pem).
const MerchantPrivateKeyPEM = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDNf74Xk5fPNqYV
/GoxlTOTH/RfhsILi1f5ZsTQfNDsXGD2FMWhWyYQy1ab2pJzhlERLQb/sS6KcHS0
P1G3fTdEfVQb6ynbRxdAHBNfEhoVMTZrC+QXZookZRQDqKc8hocIOqyTOKGluauE
5mT6ad2OSwfLp6I0BGwxt6QlY8DBdZsfeO67+/PoR9uHHyQhIQrYoN1SsfxQAk+o
9ISrz5VTO40KyaaLX+Dw4YLQj7UickWz7/r5hRmVT8YxmhNFwbEnLLva4Sm5l9qp
ElhB0XwLJU9og+gbR2X7KOjHHNYTaXTiMRzlkURAMPrGNrWLGfOJwC7D4QpwGkME
hqBILnkVAgMBAAECggEAWwaCB8R3QrCEyglYaqUZxsopP2UcL+vlqJIWjPk0u/XB
d09FKU+MIXVIZFnhdC2jXBXTW1A6+tSMRUkk47+hywMuzf0ROdGYIWwuQnbsucVm
Qu1t99WSTEO/pU0/4sX+Ky1+QuobZCLFsGUzhl59Zqmihtm2tg7dc/pRycQRXj90
CQLabMZ4LmxyefNs6OCW9vBR41EIzgabtNc0J5Gap/LZyOM8v82542fYEWX6UB4E
psyOOeGv7Yrw5RkAB8fUnRAnUGKt/N/kWcJu2BeS72f6gfqGYcU/LbvqYb3Ef4U6
ryptMTfm/kefk3IsEW5h+qS2brdi5NagC8s9eWL34wKBgQDtdwQlYZLQjF/34HjB
UJ/492VcG5m2s1Y0FtH13AF7Gkm2vKHGTu0vDjxynW2R6/eeQGbXxePDSR/YseVQ
Lm/Bxqmib1kGqHthFgTGcqbBoH7GvxXiY1hzj/9TFZcDfMrxNkwRvaK4MOZVTCyg
XFs6GoX1mFuzcbgoZ4+FCo/C0wKBgQDdif0mO+4Z5uh6AT6UMjAgCtGKssxyygt6
nkrQnAP27OtZVsjaqHIHAX/CwcYoU6cP8dfIHWCQ6JPkRjSK7WFEZNAwNP48q9Sb
CQsoIZK8FWARx0jv12ABpyZ2QPKIMARatJxlpr4gawj3dDZmi/DJ1j2K+NwI3zs1
4YprRL3TdwKBgB4yelZ+l/rpPvL4mqKKrC0u2Lbj06JGH/ozxLNtLMsIxsL0LeZX
9xV6y/kPR/W8ehqnuexKf/I/hEs8JBsULKYJq1y6qCmOl1H7SNQrlEUfMb/4YMIP
PBpF/4QDRNbusagG7Zl78gtWPJQwQaSK2hcDdHGM1Gx3U6HfuYKDm1B9AoGBAJJJ
CsMTca7i3YGqjrL2zPZrjmACnqPxrFDEc2x6iNelK+brOmfAMMNVhxKIN5vrWPZb
YHwAggJNwVJL1WgjRUYPN7WNWI+hexsAhsByIt1VVAGJUS0mT3vn7qrJSh0Jb+ah
OmCZERSA+QPFViKyp0Xv1OWOXGTzWrrCek9IrfwTAoGADghQjU/2CbAQQ8HE72s1
eeHK/2gF2V4H70ybI7yv0KS9xsa2FKIddY+Rtk5gBBVN+9U5tkdGZA75EsIORDO4
2iGTozjAKqRaRICI2V76XYTJaoFndI7gsScqw69PRTX9oS/mps8MroDZDZfIg09C
/J/4WxrxNXRxHJafJSPPh28=
-----END PRIVATE KEY-----
`

// MerchantPublicKeyPEM verifies the merchant's requests (the emulator's side).
const MerchantPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzX++F5OXzzamFfxqMZUz
kx/0X4bCC4tX+WbE0HzQ7Fxg9hTFoVsmEMtWm9qSc4ZRES0G/7EuinB0tD9Rt303
RH1UG+sp20cXQBwTXxIaFTE2awvkF2aKJGUUA6inPIaHCDqskzihpbmrhOZk+mnd
jksHy6eiNARsMbekJWPAwXWbH3juu/vz6Efbhx8kISEK2KDdUrH8UAJPqPSEq8+V
UzuNCsmmi1/g8OGC0I+1InJFs+/6+YUZlU/GMZoTRcGxJyy72uEpuZfaqRJYQdF8
CyVPaIPoG0dl+yjoxxzWE2l04jEc5ZFEQDD6xja1ixnzicAuw+EKcBpDBIagSC55
FQIDAQAB
-----END PUBLIC KEY-----
`

// MerchantPrivateKeyPKCS1PEM is MerchantPrivateKeyPEM in the older PKCS#1 form.
const MerchantPrivateKeyPKCS1PEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAzX++F5OXzzamFfxqMZUzkx/0X4bCC4tX+WbE0HzQ7Fxg9hTF
oVsmEMtWm9qSc4ZRES0G/7EuinB0tD9Rt303RH1UG+sp20cXQBwTXxIaFTE2awvk
F2aKJGUUA6inPIaHCDqskzihpbmrhOZk+mndjksHy6eiNARsMbekJWPAwXWbH3ju
u/vz6Efbhx8kISEK2KDdUrH8UAJPqPSEq8+VUzuNCsmmi1/g8OGC0I+1InJFs+/6
+YUZlU/GMZoTRcGxJyy72uEpuZfaqRJYQdF8CyVPaIPoG0dl+yjoxxzWE2l04jEc
5ZFEQDD6xja1ixnzicAuw+EKcBpDBIagSC55FQIDAQABAoIBAFsGggfEd0KwhMoJ
WGqlGcbKKT9lHC/r5aiSFoz5NLv1wXdPRSlPjCF1SGRZ4XQto1wV01tQOvrUjEVJ
JOO/ocsDLs39ETnRmCFsLkJ27LnFZkLtbffVkkxDv6VNP+LF/istfkLqG2QixbBl
M4ZefWapoobZtrYO3XP6UcnEEV4/dAkC2mzGeC5scnnzbOjglvbwUeNRCM4Gm7TX
NCeRmqfy2cjjPL/NueNn2BFl+lAeBKbMjjnhr+2K8OUZAAfH1J0QJ1Birfzf5FnC
btgXku9n+oH6hmHFPy276mG9xH+FOq8qbTE35v5Hn5NyLBFuYfqktm63YuTWoAvL
PXli9+MCgYEA7XcEJWGS0Ixf9+B4wVCf+PdlXBuZtrNWNBbR9dwBexpJtryhxk7t
Lw48cp1tkev3nkBm18Xjw0kf2LHlUC5vwcapom9ZBqh7YRYExnKmwaB+xr8V4mNY
c4//UxWXA3zK8TZMEb2iuDDmVUwsoFxbOhqF9Zhbs3G4KGePhQqPwtMCgYEA3Yn9
JjvuGeboegE+lDIwIArRirLMcsoLep5K0JwD9uzrWVbI2qhyBwF/wsHGKFOnD/HX
yB1gkOiT5EY0iu1hRGTQMDT+PKvUmwkLKCGSvBVgEcdI79dgAacmdkDyiDAEWrSc
Zaa+IGsI93Q2ZovwydY9ivjcCN87NeGKa0S903cCgYAeMnpWfpf66T7y+Jqiiqwt
Lti249OiRh/6M8SzbSzLCMbC9C3mV/cVesv5D0f1vHoap7nsSn/yP4RLPCQbFCym
CatcuqgpjpdR+0jUK5RFHzG/+GDCDzwaRf+EA0TW7rGoBu2Ze/ILVjyUMEGkitoX
A3RxjNRsd1Oh37mCg5tQfQKBgQCSSQrDE3Gu4t2Bqo6y9sz2a45gAp6j8axQxHNs
eojXpSvm6zpnwDDDVYcSiDeb61j2W2B8AIICTcFSS9VoI0VGDze1jViPoXsbAIbA
ciLdVVQBiVEtJk975+6qyUodCW/moTpgmREUgPkDxVYisqdF79Tljlxk81q6wnpP
SK38EwKBgA4IUI1P9gmwEEPBxO9rNXnhyv9oBdleB+9MmyO8r9CkvcbGthSiHXWP
kbZOYAQVTfvVObZHRmQO+RLCDkQzuNohk6M4wCqkWkSAiNle+l2EyWqBZ3SO4LEn
KsOvT0U1/aEv5qbPDK6A2Q2XyINPQvyf+Fsa8TV0cRyWnyUjz4dv
-----END RSA PRIVATE KEY-----
`

// PlatformPrivateKeyPEM signs answers and notifications (the emulator's side).
const PlatformPrivateKeyPEM = `-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCzOmaen7+/88K1
W8+rtaBJwB3zAXtZhOg+jQbcTLaoIu42r5W39ef36juzbKFFMr6xyrLz/uBsAGid
1Tu57Tdeb/nO6A0/lBEeqwRrR/DNHXkvYZ/cF03sh+/DC1koHwBtbwqPI7zq+LcW
sYY6Sg6vhOyDrl8ZFmDTdO8ZKeYcEuB67QWxkB7bXW1R+rTSi6fnw9kYuC5+ggx0
a8tugWKF/JBEKvhDAxjCnrAuhUKdpzBo23sa4TzwYBwpoB8Wjx4dILxuJgbzJfXg
ppb/hGjUOhFtYSZf58zgPjKLKJpo+1hIxkmO5JFn7DU4x/5+dCBCy7kiik5FmZie
HpcQsMOxAgMBAAECggEAHNH+z3IbyPefLz+gwNlXeZSJnFp4Jdh/6hMOb91sH9Ri
HuwUNL03vH9vczY8Jp722CsipKavGt7j88Fmtcql9SsnbfSVsMwUBqz0bHXojGs5
YfueU6txrd/cF66a+x8lF/PbrFHQXq547o7EaVogS2wiBjjDdQrKriYnDpJUvN2s
urUiYUqTOqeTAlit3piMh3RhtcU70W/0tKzvwHIhqf22tCPZqrfwTUi+f7GQ5CLN
uUL1aK33W3UCVP8gqQLggawelFQ2N+udh7UzRK5pVbtPFCLJrRA0MarJO28kOwic
YyDy3A2nXW3HxeB2lWzRrNb9hAhvGbAotFIaEmAdmQKBgQD0bn0edTo3thojsPAl
4FFTXrIny3+hBRGy6rAUsSNtz1FVasG9RPXaz4rRLR9yVHcLchCB1B15QaXg6Fcp
2RMKis9dmGyhO67Lrv5QRf7F6k+0g4EwfkR80NutcWkEJtBqDriA1vFPK9pqw5ET
i5WO/cHfEnb6nQUe7uI3YT1EDQKBgQC7temqCLqB2t+svetyh7jZ+HxqO2d4YoZk
I2Nal2CZ3v8Rjn5bXy4lFNR/tb0znEkuOtR62JFPKxrrFFuu5k/2Qx+Nx7maR/Un
5xZ6Gtrv2tOkepKbiAcx2BjVO/E5MSezoQG/airUEab/s6zkarpYiDnOt8mx4j4b
sAST8ywhNQKBgAh/+xvfCbo8O+Z31bILfeh/R4S4v+Ryj64AGUVu74N3DSYCQ2B4
kHAefX5OqmRIaaddPRO2s5uu27zZd4Z+BPp93z4q+cQVljuBB1j1RinNvx3Q4OI1
0d3hSXJbmkJJsz+s6V+ZmeSd6seBq37ZgMbrLh26v6ZxZWcw+W7hk8bVAoGALKuB
y8EAAV8A067ulPbPeq+zi+RPH0rzCGmTfz9+8Z8rvBXY5A2mgZSPbUTmnZ2XnLTL
U+Ct09VCNqdFmj2c0dHvdGIPPTPal4BazPwPFf1RWFcDBJg+fhIa9sOpCB82f3zV
WaP+RTFeOIOdpU3wwpjIiPUbvoVEmnos3LiFy/ECgYBbqowb0ho9PGPc4nddJH9N
2sTz9SyPxpUKqy8eMBC/kepgFt1h+9MCJjg/gWQXuMF4Ilt+/xH79FxIwvk9bZ0t
x1t6PJeBOf585GR8XJgErL59qr9B0XFLGpP7Z9tqSjB18mxsEXRas8RK1pWq3BgO
vhFKH/f0hw2gqHFMVRkAWg==
-----END PRIVATE KEY-----
`

// PlatformPublicKeyPEM is the 微信支付公钥 with id PublicKeyID.
const PlatformPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAszpmnp+/v/PCtVvPq7Wg
ScAd8wF7WYToPo0G3Ey2qCLuNq+Vt/Xn9+o7s2yhRTK+scqy8/7gbABondU7ue03
Xm/5zugNP5QRHqsEa0fwzR15L2Gf3BdN7IfvwwtZKB8AbW8KjyO86vi3FrGGOkoO
r4Tsg65fGRZg03TvGSnmHBLgeu0FsZAe211tUfq00oun58PZGLgufoIMdGvLboFi
hfyQRCr4QwMYwp6wLoVCnacwaNt7GuE88GAcKaAfFo8eHSC8biYG8yX14KaW/4Ro
1DoRbWEmX+fM4D4yiyiaaPtYSMZJjuSRZ+w1OMf+fnQgQsu5IopORZmYnh6XELDD
sQIDAQAB
-----END PUBLIC KEY-----
`
